"""Seed the default moderation rules (abuse and slurs, personal details, flooding) as editable rows.

The rows are written out as moderation.rules.default_rule_rows() returned them when this migration was made:
a migration must do the same on every database, whenever it runs, so it never imports live code.
"""

from django.db import migrations

ROWS = [
    {
        "name": "self_harm_aimed_at_others",
        "kind": "regex",
        "pattern": r"\b(?:kill|hang|shoot|off|end|cut) (?:yourself|yourselves|your self)\b",
        "action": "block",
        "exceptions": (
            "do you want to kill yourself\n"
            "did you want to kill yourself\n"
            "are you going to kill yourself\n"
            "you would kill yourself\n"
            "you might kill yourself\n"
            "thoughts to kill yourself"
        ),
        "only_anonymous": False,
        "match_original": False,
        "reason": "telling someone to hurt or kill themselves is not allowed",
    },
    {
        "name": "death_wish_at_others",
        "kind": "regex",
        "pattern": (
            r"\b(?:hope|wish|hoping) (?:you|that you) (?:die|get cancer|drop dead|rot|get hit by a (?:bus|car"
            r"|train))\b|\bgo (?:die|drop dead|jump off a (?:bridge|cliff))\b|\byou should (?:just )?(?:die"
            r"|be dead)\b|\b(?:go|just|you should) drink bleach\b|\bthe world would be better without you\b"
        ),
        "action": "block",
        "exceptions": "",
        "only_anonymous": False,
        "match_original": False,
        "reason": "wishing death or harm on someone is not allowed",
    },
    {
        "name": "drop_dead",
        "kind": "phrase",
        "pattern": "drop dead",
        "action": "flag",
        "exceptions": (
            "drop dead gorgeous\n"
            "drop dead funny\n"
            "drop dead brilliant"
        ),
        "only_anonymous": False,
        "match_original": False,
        "reason": "insults aimed at people are reviewed by a moderator",
    },
    {
        "name": "slur",
        "kind": "regex",
        "pattern": (
            r"\b(?:nigg(?:er|a|ah)|fag|faggot|tranny|trannie|chink|spic|kike|wetback|gook|raghead|towelhead"
            r"|beaner|paki|retard|retarded|sandnigger|coon|shemale)s?\b"
        ),
        "action": "block",
        "exceptions": (
            "retard tablet\n"
            "retard tablets\n"
            "retard capsule\n"
            "retard capsules\n"
            "retard formulation\n"
            "nifedipine retard\n"
            "retarded growth"
        ),
        "only_anonymous": False,
        "match_original": False,
        "reason": "slurs are not allowed",
    },
    {
        "name": "insult_at_person",
        "kind": "regex",
        "pattern": (
            r"\b(?:you are|you|your(?= (?:a|an|such|so)\b))(?: (?:such|so|a|an|the|absolute|complete|total"
            "|utter|fucking|bloody|really|literally|just|little|stupid))* (?:idiot|moron|loser|pathetic"
            "|stupid|dumb|dumbass|worthless|useless|imbecile|clown|failure|disgrace|bitch|cunt|dick|dickhead"
            r"|prick|asshole|arsehole|twat|wanker|jerk|scum|trash|garbage|creep|psycho)s?\b"
        ),
        "action": "flag",
        "exceptions": "",
        "only_anonymous": False,
        "match_original": False,
        "reason": "insults aimed at people are reviewed by a moderator",
    },
    {
        "name": "insult_like_you",
        "kind": "regex",
        "pattern": (
            r"\b(?:idiot|moron|loser|pathetic|stupid|dumb|dumbass|worthless|useless|imbecile|clown|failure"
            "|disgrace|bitch|cunt|dick|dickhead|prick|asshole|arsehole|twat|wanker|jerk|scum|trash|garbage"
            r"|creep|psycho)s? like you\b|\bnobody (?:likes|wants|cares about) you\b"
        ),
        "action": "flag",
        "exceptions": "",
        "only_anonymous": False,
        "match_original": False,
        "reason": "insults aimed at people are reviewed by a moderator",
    },
    {
        "name": "idiot",
        "kind": "term",
        "pattern": "idiot",
        "action": "flag",
        "exceptions": (
            "i am an idiot\n"
            "i am such an idiot\n"
            "i am a complete idiot\n"
            "what an idiot i am"
        ),
        "only_anonymous": False,
        "match_original": False,
        "reason": "insults aimed at people are reviewed by a moderator",
    },
    {
        "name": "phone_number",
        "kind": "regex",
        "pattern": (
            r"(?<![\w+])(?:\+\d{1,3}[ .-]?\(?\d{2,5}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}|(?:\(\d{2,5}\)[ .-]?"
            r"|\d{2,5}[ .-])\d{3,4}[ .-]\d{3,4}|0\d{4}[ .-]?\d{6}|\d{10})(?![\w])"
        ),
        "action": "hold",
        "exceptions": "",
        "only_anonymous": True,
        "match_original": True,
        "reason": (
            "personal details such as a phone number or e-mail address are held for a moderator in anonymous "
            "rooms"
        ),
    },
    {
        "name": "email_address",
        "kind": "regex",
        "pattern": r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
        "action": "hold",
        "exceptions": "",
        "only_anonymous": True,
        "match_original": True,
        "reason": (
            "personal details such as a phone number or e-mail address are held for a moderator in anonymous "
            "rooms"
        ),
    },
    {
        "name": "email_address_spelled_out",
        "kind": "regex",
        "pattern": (
            r"\b[a-z0-9]+(?: (?:dot|\.) [a-z0-9]+)? at (?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud"
            r"|aol|proton|protonmail|gmx|[a-z0-9]+ (?:dot|\.) edu|[a-z0-9]+ (?:dot|\.) ac) (?:dot"
            r"|\.) [a-z]{2,4}\b"
        ),
        "action": "hold",
        "exceptions": "",
        "only_anonymous": True,
        "match_original": False,
        "reason": (
            "personal details such as a phone number or e-mail address are held for a moderator in anonymous "
            "rooms"
        ),
    },
    {
        "name": "full_name_of_other",
        "kind": "regex",
        "pattern": (
            r"\b(?i:my|our) (?i:attending|resident|intern|registrar|consultant|classmate|roommate|flatmate"
            "|housemate|friend|professor|prof|preceptor|supervisor|mentor|tutor|lecturer|dean|advisor"
            "|adviser|chief|program director|lab partner|colleague|coworker|co-worker|ex)(?: (?i:dr|doctor"
            r"|prof))?\.? [A-ZÀ-ÖØ-Þ][\w'-]*[^\W\d_] [A-ZÀ-ÖØ-Þ][\w'-]*[^\W\d_]\b"
        ),
        "action": "hold",
        "exceptions": "",
        "only_anonymous": False,
        "match_original": True,
        "reason": "full names of other people are held for a moderator to protect their privacy",
    },
    {
        "name": "doctor_full_name",
        "kind": "regex",
        "pattern": r"\b(?:Dr|Prof|Professor|Doctor)\.? [A-ZÀ-ÖØ-Þ][\w'-]*[^\W\d_] [A-ZÀ-ÖØ-Þ][\w'-]*[^\W\d_]\b",
        "action": "hold",
        "exceptions": "",
        "only_anonymous": False,
        "match_original": True,
        "reason": "full names of other people are held for a moderator to protect their privacy",
    },
    {
        "name": "repeated_text",
        "kind": "builtin",
        "pattern": "repeated_text",
        "action": "block",
        "exceptions": "",
        "only_anonymous": False,
        "match_original": False,
        "reason": "repeated text",
    },
    {
        "name": "repeated_message",
        "kind": "builtin",
        "pattern": "repeated_message",
        "action": "block",
        "exceptions": "",
        "only_anonymous": False,
        "match_original": False,
        "reason": "repeated message",
    },
]


def seed(apps, schema_editor):
    ModerationRule = apps.get_model("moderation", "ModerationRule")
    for row in ROWS:
        fields = dict(row)
        ModerationRule.objects.get_or_create(name=fields.pop("name"), defaults=fields)


def unseed(apps, schema_editor):
    names = [row["name"] for row in ROWS]
    apps.get_model("moderation", "ModerationRule").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_moderation_rules")]
    operations = [migrations.RunPython(seed, unseed)]
