"""Crisis detection: a level 0..3 for one message, after the Columbia scale, and the signals behind it.

Levels: 0 none; 1 distress or a passive wish to be dead; 2 active ideation, self-harm or method
ideation; 3 method, plan, intent, means at hand, timeframe, preparatory behaviour or an act in progress.

How a message is assessed (all on the normalised text, see ``moderation.normalize``):

1. Idioms and clinical hyperbole are blanked out first ("this exam is killing me", "I'd rather die
   than", "dying to know", "killing myself studying", "let me cut" in theatre), so they cannot match.
2. Signals are patterns for behaviours, written over verb families and tenses rather than fixed
   sentences. Some are *corroborating*: "I have a plan", "going to do it", "bought a rope",
   "giving my things away", "just in case" mean little alone and only count beside another signal.
3. Each hit is attributed: to the author (first person, or no subject at all), to someone else
   ("my friend ... wanting to end it", "kill herself": sets ``concern_for_other`` instead of a
   level), to a second person ("if you ever want to die...": ignored) or to a patient (ignored).
   Keyword signals ("suicidal", "self harm", "suicide note", "lethal dose") are ignored in a
   clinical or teaching frame (patient, lecture, shelf, pharm, screening, ...) unless the author
   discloses ("I've been feeling suicidal since the psych shelf").
4. A hit preceded in its clause by a negation ("I'm not suicidal", "I would never kill myself") is
   dropped. Negation and hedging ("kind of", "jk", "I'd never act on it") then lower the level by
   one but never below 1 while other risk language remains. "lol", "haha" and emoji change nothing.
5. Context: the author's recent messages. The current message is assessed alone, and again joined
   to the end of the previous one or two messages; in the joined window a hit counts only if it
   ends inside the current message, so a thought split over messages ("I want to" / "disappear
   forever") is caught while an earlier message is not re-escalated by every later one. Hits in
   the earlier messages may still corroborate ("I want to die" / "I have a plan"). The level is
   the higher of the two assessments.
6. When the patterns found nothing at all (not even something they then set aside), the language models
   in ``moderation.crisis_model`` read the message: crisis language raises it to level 1, and a reading
   of a plan, means, preparation or an act to level 2. Never 3, and never over a pattern's judgement.
7. Someone else at risk: ``other_level`` is the level the author reports for that person; the pipeline
   escalates it to moderators from level 2 (``Escalation.about_other``) without holding the message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from moderation import crisis_model
from moderation.normalize import normalize, tokenize

# How many of the author's previous messages may continue into the current one.
CONTEXT_MESSAGES = 2
# Only the end of the previous messages can continue into the current one.
CONTEXT_TAIL_CHARS = 160
# The language models (crisis_model) judge messages of at least this many words: in fewer, one word's
# weight decides ("my match results!"), and the short ways of saying it are the patterns' ("kms").
MODEL_MIN_WORDS = 5


@dataclass(frozen=True)
class CrisisResult:
    level: int = 0
    # Names of the signals that counted towards the level, in the order they were found.
    signals: tuple[str, ...] = ()
    # The author is worried about someone else at risk: show helper resources, do not escalate the author.
    concern_for_other: bool = False
    # How much risk the author reports about that someone else, on the same scale (0 when no concern).
    other_level: int = 0
    # Level 0 because the patterns matched and set the match aside (negated, hedged away, about a patient or
    # someone else): the language model is then not asked to second-guess them. A keyword skipped in a
    # clinical frame does not count as a match: the model, trained on clinical talk, may still read it.
    dismissed: bool = False
    # The level rests on evidence strong enough to hold the message out of the room: the patterns' own
    # reading, or (level 3) the language model's plan head at its calibrated hold confidence.
    holdable: bool = False


NO_CRISIS = CrisisResult()
_DISMISSED = CrisisResult(dismissed=True)

# ---------------------------------------------------------------------------------------------
# Pattern vocabulary. Normalised text is lower-case words separated by single spaces, with
# contractions expanded ("i am", "do not", "will not", "i would") and punctuation as separate tokens.

_GAP_WORD = r" (?!(?:not|never|no|nor)\b)[^\W_]+"
_FRAGMENTS = {
    # Up to n intervening words, never a negation and never across punctuation.
    "<GAP2>": rf"(?:{_GAP_WORD}){{0,2}}",
    "<GAP3>": rf"(?:{_GAP_WORD}){{0,3}}",
    "<GAP4>": rf"(?:{_GAP_WORD}){{0,4}}",
    "<GAP6>": rf"(?:{_GAP_WORD}){{0,6}}",
    # The same, but a comma may also intervene.
    "<GAPC4>": r"(?: (?:(?!(?:not|never|no|nor)\b)[^\W_]+|,)){0,4}",
    "<GAPC10>": r"(?: (?:(?!(?:not|never|no|nor)\b)[^\W_]+|,)){0,10}",
    "<REFL>": r"(?:myself|himself|herself|themselves|themself|yourself)",
    "<POSS>": r"(?:my|his|her|their|your)",
    # Wanting, thinking about, being drawn to: ideation frames before an act.
    "<IDEATE>": (
        r"(?:want|wants|wanted|wanting|need|needs|wish|wishes|wished|wishing|think|thinking|thought|thinks|"
        r"considering|considered|contemplating|contemplated|tempted|urge|urges|fantasi[sz]e|fantasi[sz]ing|dream|"
        r"dreaming|daydream|daydreaming|ready|deserve|deserves|plan|planning|planned|trying|tried|could|should|"
        r"might|may|would like|longing|praying|desperate|decided|choose|talking|talked|joking|imagine|imagining|"
        r"picture|picturing|visuali[sz]e|visuali[sz]ing|how (?:easy|simple|quick|peaceful|nice) it (?:would|could) be)"
    ),
    "<PILLS>": (
        r"(?:pills|meds|medication|medications|tablets|sleeping pills|painkillers|tylenol|paracetamol|"
        r"acetaminophen|ibuprofen|advil|aspirin|benzos|xanax|insulin|lithium|antidepressants|opioids|oxy|"
        r"oxycodone|hydrocodone|morphine|fentanyl|prescription|sertraline|zoloft|fluoxetine|prozac|citalopram|"
        r"escitalopram|lexapro|paroxetine|venlafaxine|bupropion|wellbutrin|trazodone|quetiapine|seroquel|"
        r"amitriptyline|lorazepam|ativan|clonazepam|klonopin|diazepam|valium|alprazolam|zolpidem|ambien|"
        r"melatonin|propranolol|gabapentin|adderall)"
    ),
    "<TIME>": (
        r"(?:tonight|today|tomorrow|this weekend|this week|next week|soon|right now|on (?:monday|tuesday|"
        r"wednesday|thursday|friday|saturday|sunday)|after (?:boards|the exam|step 1|this|tonight))"
    ),
    "<FAMILY>": (
        r"(?:family|parents|mom|mum|dad|mother|father|sisters?|brothers?|siblings|friends|best friend|partner|"
        r"wife|husband|kids|children|boyfriend|girlfriend|loved ones|everyone|everybody|grandparents|"
        r"people i love|roommate)"
    ),
}
_PILL_WORDS = (
    "pills meds medication medications tablets painkillers tylenol paracetamol acetaminophen ibuprofen advil "
    "aspirin benzos xanax insulin lithium antidepressants opioids oxy oxycodone hydrocodone morphine fentanyl "
    "prescription sertraline zoloft fluoxetine prozac citalopram escitalopram lexapro paroxetine venlafaxine "
    "bupropion wellbutrin trazodone quetiapine seroquel amitriptyline lorazepam ativan clonazepam klonopin "
    "diazepam valium alprazolam zolpidem ambien melatonin propranolol gabapentin adderall"
)
_REFL_WORDS = "myself himself herself themselves themself yourself"

# Words of the act itself. These count without a frame ("kill myself", "end my life"); _DIE,
# _END_IT, _OFF_SELF, _HURT_SELF and _METHOD only after an ideation frame ("want to die",
# "thinking about driving into traffic").
_KILL_SELF = (
    r"(?:kill|kills|killing|killed|end|ending|hang|hanging|hanged|shoot|shooting|drown|drowning|poison|poisoning|suffocate|"
    r"suffocating|stab|stabbing|electrocute|gas|starve|starving) <REFL>"
)
_END_LIFE = r"(?:end|ends|ending|ended|take|takes|taking|took) <POSS> (?:own )?life\b(?! back)"
# Ending it with a person is a break-up: "end things with my boyfriend".
_PARTNER = (
    r"(?:him|her|them|my (?:bf|gf|boyfriend|girlfriend|partner|ex|fiance|fiancee|husband|wife|roommate|flatmate"
    r"|friend|friends|situationship|crush))"
)
_END_ALL = (
    r"(?:end|ends|ending|ended) (?:it all|everything|all of it|things)\b"
    rf"(?! (?:with {_PARTNER}|on|off|between|early)\b)"
)
_COMMIT = r"(?:commit|committing|committed|attempt|attempting|attempted|die by|died by) suicide\b"
# "end it" but not "end it with him", "end it here" (a conversation), "end it early" (a shift).
_NOT_ENDING_A_LIFE = rf"(?! (?:with {_PARTNER}|for|at|early|here|there|off|between|now)\b)"
_END_IT = rf"(?:end|ending) it\b{_NOT_ENDING_A_LIFE}"
_DIE = (
    r"(?:die|be dead|not be alive|stop living|not live anymore)"
    r"\b(?! (?:of|from|laughing|down|out|off|for|inside|a little|(?:my|your|her|his|their) (?:hair|clothes|shirt))\b)"
    # "i wanna unalive" normalises to a "kill" with nothing after it.
    r"|kill(?: [.,!?;:]|$)"
)
_OFF_SELF = r"(?:off|offing) <REFL>"
_HURT_SELF = (
    r"(?:hurt|hurting|harm|harming|harmed|cut|cutting|burn|burning|burned|burnt|scratch|scratching|scratched|punch|"
    r"punching|punched|punish|punishing|punished|bruise|bruising|bruised|bleed|mutilate|mutilating|mutilated|"
    r"choke|choking|choked|strangle|strangling|strangled|hit|hits|hitting|slap|slapping|slapped|bang|banging|"
    r"banged|bite|biting|starve|starving|starved) <REFL>"
)
# Where self-injury lands, and what says it was meant ("scratched my arms till they bled").
_BODY = (
    r"(?:my|both) (?:arms?|wrists?|forearms?|legs?|thighs?|skin|stomach|belly|hips?|hands?|knuckles|head|fists?"
    r"|chest|ankles?|fingers?)"
)
_MEANT = (
    r"(?:on purpose|deliberately|intentionally|to feel|to cope|to punish|because i deserve|so i can feel"
    r"|(?:until|till) (?:i|it|they|the skin|my skin|my [a-z]+) (?:bleed|bleeds|bled|bruise|bruised|broke|break"
    r"|breaks|split|scarred|blistered)|hard enough to (?:bruise|bleed|leave (?:a )?marks?|hurt|break|scar))"
)
_METHOD_OBJECTS = (
    "barrier wall traffic tree bridge river lake truck lorry median guardrail pole ditch cliff overpass divider "
    "train trains sea ocean roof rooftop building balcony window tower garage park subway tracks bus ledge "
    "highway freeway motorway car road"
)
_METHOD = (
    r"(?:(?:drive|driving|drove|crash|crashing|swerve|swerving|steer|steering|veer|veering)(?: my car| the car)?"
    r"(?: right| straight)? (?:into|off|in front of|under) (?:a |the |an |some )?(?:oncoming )?(?:barrier|wall|"
    r"traffic|tree|bridge|river|lake|truck|lorry|median|guardrail|pole|ditch|cliff|overpass|divider|train|sea|"
    r"ocean)"
    r"|(?:jump|jumping|leap|leaping|throw myself|throwing myself|step|stepping|walk|walking|lie down|lying down|"
    r"fall|falling)(?: right| straight)? (?:off|from|in front of|into|onto|under|out of) (?:a |the |my |an |this |"
    r"that |some |oncoming )?(?:[a-z]+ )?(?:bridge|roof|rooftop|building|train|trains|balcony|window|cliff|tower|"
    r"parking garage|car park|overpass|subway|tracks|bus|traffic|truck|ledge|highway|freeway|motorway|sea|"
    r"ocean|river|lake)"
    r"|(?:crash|crashing|wreck|wrecking|total|totaling|totalling) (?:my|the) car|(?:drive|driving) off (?:the road|a "
    r"cliff|a bridge|the bridge)"
    r"|overdose|overdosing|od|take all <POSS> <PILLS>|swallow(?:ing)? (?:all )?<POSS> <PILLS>"
    r"|drink(?:ing)? (?:bleach|antifreeze)|slit(?:ting)? <POSS> wrists?|slash(?:ing)? <POSS> wrists?"
    r"|catch(?:ing)? the bus\b(?! (?:to|home|at|from|back|into|in|this|every|after|instead|downtown|there)\b)"
    r")\b"
)

_SIGNAL_SPECS: tuple[tuple[str, int, str, str, str], ...] = (
    # name, level, pattern, options, anchors -------------------------------------------------
    # --- level 3: intent, plan, means, preparation, farewell, act in progress -------------------
    (
        "intent",
        3,
        r"\b(?:going to|about to|planning to|planning on|plan to|decided to|made up my mind to|ready to|i will)"
        r"(?: just| finally| actually| really| definitely)? (?:kill(?:ing)? <REFL>|end(?:ing)? <POSS> (?:own )?life"
        rf"|tak(?:e|ing) <POSS> (?:own )?life|end(?:ing)? (?:it(?: all)?|everything|things)\b{_NOT_ENDING_A_LIFE}"
        r"|commit(?:ting)? suicide|off(?:ing)? <REFL>|hang(?:ing)? <REFL>|overdos(?:e|ing)|od)\b",
        "",
        f"{_REFL_WORDS} life end ending suicide overdose overdosing od",
    ),
    (
        "intent",
        3,
        rf"\b(?:going to|about to|planning to|planning on|plan to|decided to|made up my mind to|i will)"
        rf"(?: just| finally| actually| really| definitely)? {_METHOD}",
        "",
        f"{_METHOD_OBJECTS} overdose overdosing od bleach antifreeze wrist wrists {_PILL_WORDS}",
    ),
    (
        "intent",
        3,
        r"\bi am (?:ending it|ending my life|taking my life|committing suicide|overdosing|done living)"
        rf"\b{_NOT_ENDING_A_LIFE}|\bi am killing myself <TIME>\b",
        "",
        "ending taking committing overdosing living killing",
    ),
    (
        "plan",
        3,
        r"\b(?:i have|i have got|i got|i made|i have made|i came up with|i worked out|i figured out|i have figured out"
        r"|i have worked out|i already have|i have already got) (?:a|the|my)(?: [a-z]+)? plan\b(?! (?:for|to (?:study"
        r"|pass|get|finish|make|catch|go|see|meet|eat|sleep|rest|relax|work)|b|of attack)\b)"
        r"|\b(?:picked|chosen|set) (?:a|the) (?:date|day)\b|\bplanned (?:it|everything) out\b"
        r"|\b(?:figured out|know|worked out) (?:exactly )?how (?:i am going to|i will|i would|to) do it\b",
        "weak speaker",
        "plan date day planned how",
    ),
    (
        "plan",
        3,
        r"\bmy suicide (?:plan|note|letter)\b|\bplan(?:ning|ned)? (?:my|the) suicide\b",
        "keyword",
        "suicide",
    ),
    (
        "intent_to_act",
        3,
        r"\b(?:going to|will|plan to|planning to|planning on|decided to|about to|ready to|i am)(?: finally| actually"
        r"| really| just)? (?:do it|doing it|go through with it|going through with it)\b",
        "weak speaker",
        "do doing through",
    ),
    (
        "means_stockpiled",
        3,
        r"\b(?:saving|saved|save|stockpiling|stockpiled|stockpile|hoarding|hoarded|hoard|collecting|collected|stashing"
        r"|stashed|stash|hiding|hid|storing|stored|building)(?: up)? (?:my |all my |some |the |a bunch of |enough |"
        r"extra |a stash of |a supply of |all the )?(?:[a-z]+ )?<PILLS>\b"
        r"|\b(?:enough|have|got)(?: [a-z]+)? <PILLS> (?:saved|stashed|stockpiled|hidden|hoarded|put away)\b"
        r"|\benough <PILLS><GAP3> to (?:do it|end it|die|kill myself|not wake up|overdose|od)\b",
        "keyword",
        _PILL_WORDS,
    ),
    (
        "means_acquired",
        3,
        r"\b(?:bought|buying|buy|got|getting|ordered|ordering|picked up|purchased|found|hid|hidden)(?: myself| me)?"
        r"(?: a| the| some| my)? (?:rope|gun|firearm|pistol|handgun|shotgun|rifle|razor blades?|blades|helium|"
        r"charcoal|exit bag)\b|\bknows? (?:exactly )?what (?:it is|its|they are|it will be) for\b"
        r"|\bknows? (?:exactly )?what (?:i am going to|i will|to) do with (?:it|them)\b",
        "weak speaker",
        "rope gun firearm pistol handgun shotgun rifle blade blades helium charcoal bag what",
    ),
    (
        "means_at_hand",
        3,
        r"\b(?:tied|tying|made|making|bought|have|got|hung|set up|setting up)(?: [a-z]+)? (?:a |the |my )?noose\b"
        r"|\b(?:gun|pistol|knife|blade) (?:to|against) my (?:head|temple|throat|wrists?)\b"
        r"|\b(?:rope|noose) is (?:ready|up|tied|set up|around my neck)\b"
        r"|\b(?:the |my )?(?:<PILLS>|gun|rope|blade|razor) (?:is |are )?(?:in my hand|in front of me|lined up"
        r"|ready)\b",
        "",
        f"noose gun pistol knife blade rope razor {_PILL_WORDS}",
    ),
    (
        "lethal_means_research",
        3,
        r"\b(?:know|knew|looked up|look up|looking up|googled|googling|researched|researching|calculated|calculating"
        r"|worked out|figured out|checked|searched)(?: up)?<GAP2> (?:the )?(?:lethal|fatal|deadly) (?:dose|doses|"
        r"dosage|amount|quantity)\b",
        "keyword",
        "lethal fatal deadly",
    ),
    (
        "method_seeking",
        3,
        r"\b(?:fastest|quickest|easiest|painless|least painful|most painless|best|surest|most reliable|most effective"
        r"|simplest|peaceful|most peaceful|quietest|cleanest)(?: [a-z]+)? (?:way|ways|method|methods|means) (?:to|of)"
        r" (?:die|dying|end it|end my life|kill myself|commit suicide|overdose|od|not wake up|check out"
        r"|go\b(?! (?:to|home|back|from|about|over|through|into|out|for|there|on|in|up|down|by|via|with)\b))"
        r"|\bhow (?:many|much)<GAP4>(?: would it take| does it take| it would take| it takes| would i need| do i need"
        r"| i would need| i need)? (?:to (?:die|kill me"
        r"|kill myself|overdose|od|not wake up|end it)|would kill me|until i die|is (?:lethal|fatal|deadly)"
        r"|would be (?:lethal|fatal|deadly))\b"
        r"|\bhow (?:to|do i|could i|can i|would i|should i)(?: [a-z]+)? (?:kill myself|end my life|commit suicide"
        r"|end it all|hang myself|die painlessly|die quickly|die without|overdose on)\b",
        "keyword",
        "way ways method methods means how",
    ),
    (
        "farewell",
        3,
        r"\b(?:goodbye|farewell|bye)(?: [a-z]+)? (?:world|cruel world|forever|for good|for the last time)\b"
        r"|\bthis is (?:my )?(?:final |last )?goodbye\b"
        r"|\bmy last (?:night|day) (?:alive|on earth|on this earth)\b"
        r"|\bby the time (?:you|anyone|someone|somebody) (?:read|reads|see|sees|finds|find) this\b"
        r"|\bwill not be (?:here|around|alive) (?:tomorrow|much longer|for much longer|by morning|after tonight"
        r"|anymore|for long)\b|\btake care of (?:my (?:cat|dog|family|parents|mom|mum|dad|sister|brother|kids"
        r"|plants|pets)|each other) for me\b"
        r"|\btell my <FAMILY> (?:that )?i (?:love|am sorry)\b",
        "speaker",
        "goodbye farewell bye last time here around alive care tell",
    ),
    (
        "farewell",
        3,
        r"\b(?:goodbye|farewell)(?: [a-z]+)? (?:everyone|everybody|all of you|you all|guys|friends|all)\b(?!(?: ,"
        r"| \.| !)? (?:see|until|till|for now|for today|for tonight|have|good luck|enjoy|happy|catch|talk|ttyl"
        r"|tomorrow|next|on|in|at|from|and (?:good|see|have)|thanks for (?:a|the|coming|joining|having))\b)",
        "weak speaker",
        "goodbye farewell",
    ),
    (
        "farewell_note",
        3,
        r"\b(?:suicide|goodbye|farewell) (?:letters?|notes?|messages?|videos?)\b",
        "keyword",
        "suicide goodbye farewell",
    ),
    (
        "preparing",
        3,
        r"\b(?:wrote|written|write|writing|left|leaving|finished|finishing|drafted|drafting|sent|sending)<GAP2>"
        r" (?:letters?|notes?|messages?|emails?|cards?)<GAP2> (?:to|for) (?:my |all my |each of my )?<FAMILY>\b"
        r"|\b(?:just in case|in case (?:something|anything) happens|in case i (?:do not|am not|die|go)"
        r"|for when i am gone|after i am gone|when i am gone)\b"
        r"|\b(?:giving|gave|give|given|gifting|donating|donated)\b<GAP6> away\b"
        r"|\b(?:giving|gave|give)(?: away)? (?:all )?my [a-z]+(?: and [a-z]+)? to (?:my |a )?[a-z]+\b"
        r"|\bwill not (?:be needing|need) (?:them|it|these|those|this|that|her|him|any of (?:it|them|this)|anything"
        r"|my [a-z]+|any of my [a-z]+)(?: (?:anymore|any more|where i am going|much longer))?\b(?! (?:after|once"
        r"|for|until|since|because|now|next|when|during|till|in|at|on)\b)"
        r"|\b(?:getting|got|put|putting) my affairs in order\b|\b(?:updated|wrote|made|making|writing) (?:a|my) will\b"
        r"|\bthank(?:s| you)(?: all| everyone| guys)? for (?:trying|putting up with me|being there for me)\b"
        r"|\bi have everything i need\b|\bi am ready\b(?! (?:for|to|when|if)\b)"
        r"|\bsorry for (?:everything|being a burden|all the trouble|all of this)\b"
        r"|\b(?:(?:tonight is|tonights) the night|(?:today is|todays) the day)\b|\bgoodbye\b"
        r"|\b(?:thinking|thought|think) about how (?:i would|i will|i could|i am going to|to) do it\b",
        "weak speaker",
        "letter letters note notes message messages email emails card cards case gone away giving gave give need "
        "needing affairs will thanks thank sorry tonight tonights today todays goodbye how everything ready",
    ),
    (
        "act_in_progress",
        3,
        r"\b(?:took|taken|swallowed|downed|popped|ate)(?: [^\W_]+){0,3}? (?:the whole|the entire|a whole|an entire"
        r"|all|all of|a bunch of|a handful of|handful of|way more|too many|too much|so many|a lot of|lots of|double"
        r"|triple|way too many|much more|far more|a lot more|the rest of)(?: [^\W_]+){0,3}? (?:<PILLS>|bottle\b(?! of"
        r" (?:wine|water|vodka|whiskey|beer|soda|coke|juice|champagne|rum|tequila|gin|sauce|milk|shampoo))|pack"
        r"|packet|box|blister pack)\b"
        r"|\b(?:took|taken|swallowed)(?: [^\W_]+){0,5}? (?:<PILLS>|dose|doses)(?: [a-z]+){0,2}? than (?:i should"
        r"|i was supposed|i am supposed|prescribed)\b"
        r"|\b(?:took|taken|swallowed|downed)(?: like| about| over| around)? (?:[1-9][0-9]+|a dozen|dozens) (?:of "
        r"(?:my|the|those|these) )?(?:<PILLS>|[a-z]+(?:ine|ol|am|pam|one|ide|ate|in|ium|ax|il|an|en)\b)"
        r"|\b(?:i|i just|i have|i think i|i have just|just) (?:overdosed|took an overdose|od)\b"
        r"|\b(?:cut|cutting) (?:too deep|deeper than ever|so deep)\b"
        r"|\bbleeding (?:a lot|and (?:it )?(?:will not|can not|does not) stop|heavily|everywhere)\b"
        r"|\b(?:standing|sitting|i am) on (?:the )?(?:ledge|railing|tracks|edge of the (?:roof|bridge|building|cliff"
        r"|platform))\b",
        "",
        f"{_PILL_WORDS} bottle pack packet box dose doses overdosed overdose od deep bleeding ledge railing tracks "
        "edge",
    ),
    # --- level 2: active ideation, self-harm, method ideation ---------------------------------
    ("kill_self", 2, rf"\b{_KILL_SELF}\b", "", _REFL_WORDS),
    ("end_life", 2, rf"\b{_END_LIFE}|\b{_END_ALL}|\b{_COMMIT}", "", "life all everything things suicide"),
    (
        "wish_to_die",
        2,
        rf"\b<IDEATE>(?: to| of| about| on| that)?<GAP2> (?:{_DIE}|{_END_IT}|{_OFF_SELF})",
        "",
        f"die dead alive living live end ending kill {_REFL_WORDS}",
    ),
    (
        "wish_to_die",
        2,
        r"\b(?:think|thinking|thought|thinks|obsessing|obsessed|fantasi[sz]ing|dreaming) about(?: (?:lately|constantly"
        r"|always|is|just|often|all|day|so|much|a|lot|these|days|now|anymore|honestly|really))* (?:dying|being dead"
        r"|not being alive|my own death|my death)\b(?! (?:my|your|her|his|the|their) hair)"
        r"|\bbetter off dead\b|\brather be dead\b(?! than)|\bwish(?:ed)? (?:that )?i (?:was|were|had been|could be"
        r"|would be) dead\b|\bi should (?:just )?(?:die|be dead)\b|\blet me die\b|\bready to die\b",
        "",
        "dead die dying death alive",
    ),
    ("suicidal", 2, r"\bsuicidal\b", "keyword", "suicidal"),
    (
        "suicide_ideation",
        2,
        r"\bsuicide (?:is|feels|seems|looks|sounds|is looking|would be|might be|keeps|is starting to)(?: like)?<GAP3>"
        r" (?:option|options|answer|solution|way out|good|better|appealing|tempting|easier|relief|attractive|best"
        r"|only|nice|peaceful|right)\b"
        r"|\bsuicide (?:is|has been|keeps being)(?: always| constantly)? on my mind\b"
        r"|\b(?:think|thinking|thought|thinks|considering|considered|contemplating|contemplated|planning|planned"
        r"|researching|researched|googling|googled|talking|talked|talks|posting|posted|mentioned|mentioning)"
        r"(?: about| of)? (?:committing )?suicide\b(?! (?:prevention|rates?|risk|screening|awareness|statistics|among"
        r"|in (?:physicians|doctors|medical students|residents))\b)"
        r"|\bsuicide (?:crossed|crosses|has crossed|keeps crossing) my mind\b|\bmy suicide attempts?\b",
        "keyword",
        "suicide",
    ),
    (
        "self_harm",
        2,
        r"\bself (?:harm|harming|harmed|injury|injuring|injure|mutilation|mutilating)\b"
        r"|\b(?:cut|cutting)(?: <REFL>)? again\b"
        r"|\b(?:started|start|starting|relapsed into|urge to|urges to|want to|need to|going to) cut(?:ting)?"
        r"(?: <REFL>)?\b(?! (?:class|classes|back|down|out|off|my hair|it|the|a|carbs|sugar|ties|corners|costs"
        r"|caffeine|my losses|in line)\b)",
        "keyword",
        "self cut cutting",
    ),
    (
        "self_harm",
        2,
        r"\b(?:harm|harming|harmed|mutilate|mutilating|cutting|burning) <REFL>\b"
        rf"|\b<IDEATE>(?: to| of| about| on)?<GAP2> {_HURT_SELF}\b"
        rf"|\b{_HURT_SELF}(?: again)?(?: [a-z]+)? (?:on purpose|deliberately|intentionally|to feel|to cope|because i"
        r" deserve|so i can feel|until i bleed|till i bleed|until it bleeds|till it bleeds|again)\b"
        r"|\b(?:slit|slitting|slash|slashing) <POSS> wrists?\b|\bmake <REFL> bleed\b",
        "",
        f"{_REFL_WORDS} wrist wrists",
    ),
    (
        "method_ideation",
        2,
        rf"\b<IDEATE>(?: to| of| about| on| just)?<GAP2> {_METHOD}",
        "",
        f"{_METHOD_OBJECTS} overdose overdosing od bleach antifreeze wrist wrists {_PILL_WORDS}",
    ),
    # --- level 1: distress, passive wish to be dead ------------------------------------------
    (
        "passive_wish",
        1,
        r"\b(?:do not|does not|did not|never|no longer|not) (?:want|wanna|wish) to (?:be (?:here|alive|around"
        r"|on this earth|in this world)|exist|live|keep living|wake up|go on|keep going)(?: [a-z]+){0,2}?"
        r" (?:anymore|any more|any longer|no more|again)\b"
        r"|\b(?:do not|does not|did not|never|no longer) (?:want|wanna|wish) to (?:be alive|exist|live|keep living"
        r"|wake up|be on this earth)\b(?! (?:with|in|at|near|there|like)\b)",
        "",
        "anymore more longer again alive exist live living wake earth",
    ),
    (
        "passive_wish",
        1,
        r"\b(?:disappear|vanish|cease to exist|stop existing|fade away)(?: [a-z]+){0,2}? (?:forever|for good"
        r"|permanently|and never come back|and not come back|from this world|from existence|off the face of the"
        r" earth)\b"
        r"|\b(?:wish|wishing|want|wanted|hope|hoping)(?: i could| to| i would| i could just| to just)? (?:just )?"
        r"(?:stop existing|cease to exist|not exist|not be alive)\b"
        r"|\b(?:sleep|fall asleep|go to sleep|close my eyes)<GAP3> and (?:not|never) wake up\b"
        r"|\b(?:wish|want|hope|hoping|pray|praying|wishing)<GAP4> (?:not|never) (?:to )?wake up\b"
        r"|\b(?:want|wanna) to sleep forever\b"
        r"|\b(?:hope|hoping|wish|pray|praying) (?:that )?i (?:die|get hit by a (?:car|bus|truck|train)|crash"
        r"|get into an accident|do not make it|never wake)\b"
        r"|\bwish(?:ed)? (?:that )?i(?: had| would| have)? (?:never|not) (?:have )?(?:been|was|were) born\b"
        r"|\b(?:fine|ok|okay|happy|relieved|glad|mind|care|hope|hoping|wish|wishing|pray|praying)\b<GAPC4>"
        r" (?:if |that )?(?:(?:a|the|some) (?:bus|car|truck|train|lorry) (?:hit|hits|would hit|ran over"
        r"|would run over) me"
        r"|i (?:got|get|was|were) hit by (?:a|the) (?:bus|car|truck|train|lorry))\b",
        "",
        "disappear vanish cease existing exist fade alive wake forever die hit crash accident make born bus car truck "
        "train lorry",
    ),
    (
        "burden",
        1,
        r"\bbetter off without me\b|\b(?:i am|i feel like|i am just|i am such|i feel like i am|i am nothing but)"
        r"(?: a| such a| a huge| just a| nothing but a)? burden\b"
        r"|\bburden (?:to|on) (?:everyone|my family|my friends|everybody|the people around me|those around me)\b",
        "",
        "without burden",
    ),
    (
        "not_missed",
        1,
        r"\b(?:notice|care|miss|matter|better|easier|relieved|happier)\b<GAPC4> (?:if|when) i (?:was gone|were gone"
        r"|am gone|was dead|were dead|died|die|disappeared|vanished|was not here|were not here|was not around"
        r"|were not around|did not wake up|never woke up|stopped existing|was not alive|were not alive|killed myself"
        r"|left for good|stopped showing up|never came back|never showed up again|went away forever)\b"
        r"|\b(?:nobody|no one|noone|no body)(?: would| will)(?: even| ever| really)? (?:miss me|notice i am gone"
        r"|care if i (?:die|died|was gone))\b"
        r"|\bif i (?:died|disappeared|was gone|were gone|was dead|were dead|did not wake up)<GAPC10> (?:nobody|no one"
        r"|would anyone|would anybody|who would|relieved|relief|better off|easier|happier)\b",
        "",
        "gone dead died die disappeared vanished here around wake woke existing alive myself good showing came showed "
        "away miss notice care",
    ),
    (
        "hopeless",
        1,
        r"\b(?:tired|sick|exhausted|done|over) (?:of|with) (?:living|life|being alive|existing|it all|this life"
        r"|being here)\b"
        r"|\b(?:no|what is|there is no|do not see|can not see|cannot see)(?: even| really| honestly)?(?: the| any)?"
        r" (?:point|reason|purpose) (?:in|of|to)(?: even)? (?:living|life|being alive|going on|existing"
        r"|anything anymore|any of it anymore|carrying on|waking up|staying alive)\b"
        r"|\bnothing (?:left )?to live for\b|\bnothing left for me(?: here| in this world| anymore)?\b(?! to)"
        r"|\bno reason to (?:live|be alive|go on|keep going|stay alive)\b"
        r"|\b(?:life|living) (?:is|feels)(?: just)? (?:not worth (?:it|living)|pointless|meaningless)\b"
        r"|\bnot worth living\b|\bgiven up on (?:life|living)\b|\bgive up on (?:life|living)\b"
        r"|\bcan not (?:go on|keep going|keep living|live like this|take it anymore|do life anymore|cope anymore)\b"
        r"|\bwant (?:it all|everything|my life|the pain|all of it|all of this) to (?:end|stop|be over)\b",
        "",
        "tired sick exhausted done over point reason purpose nothing life living worth given give can want",
    ),
)

# Behaviours added after a blind evaluation (docs/moderation.md): written as families of wording, each
# checked against the non-crisis sets for clinical talk and hyperbole.
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|today|tomorrow|this weekend)"
_HEIGHTS = (
    r"(?:top (?:level|floor|deck) of (?:the |my |a |this )?(?:[a-z]+ ){0,2}(?:garage|building|parking|structure"
    r"|hospital|library|dorm|tower)|roof|rooftop|bridge|ledge|edge|tracks|railing|overpass|cliff|balcony)"
)
_SIGNAL_SPECS += (
    (
        "act_in_progress",
        3,
        # Somewhere high or on the tracks, now ("on the roof of my building rn", "drove to the bridge ...
        # just sitting in my car looking at it").
        r"\b(?:i am|standing|sitting|i just|just|drove|walked|went|climbed|parked)(?: [a-z]+){0,3}? (?:on|at|to"
        rf"|onto|up to|near|by|under) (?:the |my |this |a )?{_HEIGHTS}\b(?! (?:club|game|loan|deck|bar|garden"
        r"|party|lounge|program|course|year|burger|notes|cards)\b)(?: [^ ]+){0,14}? (?:right now|now|tonight"
        r"|looking (?:at it|down|over)|coming (?:down|back|home)|jump|jumping)\b"
        r"|\b(?:cut|cutting|sliced)(?: [a-z]+){0,2} (?:too deep|deeper|so deep|really deep|very deep)\b"
        r"|\b(?:will not|can not|does not|would not) stop bleeding\b",
        "",
        "roof rooftop bridge ledge edge tracks railing overpass cliff balcony top deep deeper bleeding",
    ),
    (
        "intent",
        3,
        # An act with a time on it ("unaliving myself this weekend", "do it tonight after she falls asleep").
        rf"\b{_KILL_SELF}(?: [a-z]+){{0,2}}? <TIME>\b"
        r"|\b(?:going to|will|plan to|planning to|decided to|about to)(?: finally| actually| really| just)? (?:do it"
        r"|go through with it) (?:tonight|right now|today|tomorrow|this weekend|after (?:everyone|everybody|my [a-z]+"
        r"|they|he|she|the house) (?:falls?|goes|go|is|are|gets?) (?:asleep|to sleep|to bed|out|gone|quiet))\b",
        "",
        f"{_REFL_WORDS} do through",
    ),
    (
        "means_at_hand",
        3,
        r"\b(?:rope|noose|gun|firearm|pistol|rifle|shotgun|revolver|razor blades?)(?: is| are)? (?:in|under|on|by"
        r"|next to|inside) (?:<POSS>|the) (?:closet|car|bag|backpack|drawer|desk|room|bedroom|nightstand|locker"
        r"|glovebox|glove box|apartment|trunk)\b",
        "",
        "rope noose gun firearm pistol rifle shotgun revolver razor blade blades",
    ),
    (
        "means_at_hand",
        3,
        r"\b(?:the |my )?(?:bottle|bottles|pills|blister packs?)(?: is| s| are)? (?:right )?(?:here|next to me"
        r"|beside me|in front of me)\b"
        r"|\bthe (?:<PILLS>|bottle|bottles|rope|gun|blades?|razor|razors|vials?) (?:i have|i have got|i kept"
        r"|i saved)\b"
        r"|\bi know the (?:dose|amount|number)(?: now)?\b"
        r"|\b(?:for|at) (?:someone|somebody|a person)?(?: at)? my (?:weight|size|body weight)\b",
        "weak speaker",
        "bottle bottles pills blister packs have kept saved know weight size",
    ),
    (
        "means_acquired",
        3,
        # Taking lethal means home from the hospital, and knowing what they do.
        r"\b(?:pocketed|pocketing|pocket|took|taking|stole|stealing|swiped|swiping|diverted|diverting|snuck"
        r"|sneaking|kept|keeping|brought|bringing)(?: [a-z]+){0,3}? (?:vials?|ampules?|amps|syringes?|<PILLS>|kcl"
        r"|potassium|insulin|propofol|midazolam|blades?|scalpels?)(?: [a-z]+){0,3}? (?:from|out of|home from) (?:the"
        r" )?(?:pyxis|omnicell|hospital|ward|work|pharmacy|supply room|crash cart|skills lab|or|clinic|unit)\b"
        r"|\bknows? (?:exactly )?what (?:it|they|that|this|those|these) (?:does|do|would do|will do|can do)\b",
        "weak speaker",
        f"vial vials ampule ampules amps syringe syringes kcl potassium insulin propofol midazolam blade blades "
        f"scalpel scalpels what {_PILL_WORDS}",
    ),
    (
        "lethal_means_research",
        3,
        r"\b(?:which|what|how much|how many)<GAP6> (?:would|will|could|might|is|are)(?: be)? (?:lethal|fatal|deadly"
        r"|enough to (?:kill me|die|not wake up))\b",
        "keyword",
        "lethal fatal deadly enough",
    ),
    (
        "farewell",
        3,
        r"\b(?:will not|am not going to) be (?:here|around|alive)(?: anymore| any more)? (?:when|by|after|to see"
        r"|tomorrow|in the morning|by morning|much longer|next week)\b|\bi will be gone (?:by|before|when|after)\b",
        "speaker",
        "here around alive gone",
    ),
    (
        "preparing",
        3,
        r"\b(?:cancelled|canceled|ended|broke|terminated) my lease\b"
        r"|\b(?:cleared|cleaned|emptied) out my (?:apartment|room|place|desk|locker|dorm)\b"
        r"|\b(?:wrote|written|write|writing|finished|left|leaving) (?:my|a|the) (?:note|letter|letters|notes)\b"
        r"(?! (?:to|for) (?:class|the (?:class|team|dean|program)|my (?:attending|professor|preceptors?|program|pi"
        r"|residency|team|landlord|boss)))"
        r"|\b(?:say|said|saying) (?:bye|goodbye) to (?:someone|somebody|you all|everyone|you guys|all of you)\b"
        r"|\b(?:updated|update|updating|wrote|made|making|writing) (?:a|my) will\b"
        r"|\b(?:i have|i have got|got) everything (?:ready|i need|sorted|planned|set)\b"
        rf"|\b{_DAYS} is the (?:day|night)\b"
        r"|\b(?:temporary|for a while|for a bit)\b(?: [^ ]+){0,4}? (?:it is not|it was not|it is permanent)\b"
        r"|\b(?:decided|picked|chose|set|know) (?:it is|it will be|it is going to be|when it will be) (?:the |this"
        rf" |next )?(?:{_DAYS}|weekend|day|night|date)\b",
        "weak speaker",
        "lease apartment room place desk locker dorm note letter letters notes bye goodbye will everything day "
        "night temporary while bit decided picked chose set know",
    ),
    (
        "wish_to_die",
        2,
        r"\bcatch(?:ing)? the bus (?:thoughts|urges|again|tonight|soon|vibes|plans?|ideation|feelings|mood)\b"
        r"|\b<IDEATE>(?: to| of| about)?<GAP2> suicide\b(?! (?:prevention|rates?|risk|screening|awareness)\b)",
        "keyword",
        "bus suicide",
    ),
    (
        "self_harm",
        2,
        # The intent may come a sentence later ("hitting myself when i get questions wrong. like hard enough
        # to bruise").
        rf"\b{_HURT_SELF}(?: [^ ]+){{0,10}}? {_MEANT}"
        r"|\b(?:cut|cutting|scratch|scratched|scratching|burn|burned|burnt|burning|carve|carved|carving|slice|sliced"
        r"|slicing|hit|hitting|punch|punched|punching|bang|banged|banging|slam|slammed|slamming|bite|bit|biting)"
        rf"(?: [a-z]+){{0,2}}? {_BODY}<GAP6> {_MEANT}"
        r"|\b(?:punch|punched|punching|hit|hitting|slam|slammed|slamming) (?:the )?(?:walls?|doors?)<GAP6>(?: ,)?"
        rf" {_MEANT}"
        r"|\b(?:blade|razor|knife|scissors|lighter|scalpel|compass|sharpener)(?: blade)? (?:on|to|into|across)"
        rf" {_BODY}\b"
        r"|\brelaps(?:e|ed|ing) (?:on|into|back into|with) (?:cutting|self harm|burning|hurting myself|the razor)\b"
        r"|\brelaps(?:e|ed|ing)\b(?: [^ ]+){0,8}? (?:razor|blade|cut|cutting|burned|burning)\b",
        "speaker",
        f"{_REFL_WORDS} my both wall walls door doors blade razor knife scissors lighter scalpel compass sharpener "
        "relapse relapsed relapsing",
    ),
    (
        "self_harm",
        2,
        r"\bi (?:cut|cut myself)(?: again)? (?:last night|tonight|today|this morning|after)\b"
        r"|\b(?:was not|not that|not very|was not that) deep\b|\b(?:just )?needed (?:it|to feel something|the pain)\b",
        "weak speaker",
        "cut deep needed",
    ),
    (
        "passive_wish",
        1,
        r"\b(?:skip|be done with|not have to live) the rest of (?:my )?life\b"
        r"|\b(?:permanently|forever) (?:stop|sleep|rest|disappear|be gone|go away)\b|\bstop (?:existing|permanently"
        r"|forever)\b"
        r"|\b(?:hope|hoping|wish|wishing|pray|praying)<GAP2> (?:something|anything) (?:bad )?(?:happens|would happen"
        r"|will happen|happened) to me\b"
        r"|\b(?:death|dying|being dead|not existing|not waking up)<GAP2> (?:sounds|seems|feels|looks|is)<GAP2>"
        r" (?:peaceful|nice|appealing|tempting|like a relief|like relief|comforting|better|easier|good|like an"
        r" escape)\b"
        r"|\b(?:would not mind|would be fine|would be okay|would be ok|would not care)<GAP2> (?:not existing|not being"
        r" alive|not waking up|dying|being dead|if i died|if i did not wake up)\b"
        r"|\b(?:wish|hope|hoping|praying|pray)<GAP4> (?:the|my|a) (?:plane|car|bus|train|truck) (?:would |will )?(?:go"
        r" down|goes down|crash|crashes|hit me|hits me)\b"
        r"|\b<IDEATE>(?: about| of)? not (?:being|be) (?:around|here|alive)(?: anymore| any more)?\b",
        "",
        "rest permanently forever stop happens happen happened peaceful nice appealing tempting relief comforting "
        "better easier good escape mind fine okay ok care plane car bus train truck around here alive",
    ),
    (
        "not_missed",
        1,
        r"\b(?:notice|care|miss|matter|better|easier|relieved|happier|fine|okay|ok|lighter|simpler)\b<GAPC4>"
        r" (?:if|when) i(?: just| even| really| actually| simply)? (?:was gone|were gone|am gone|was dead|were dead"
        r"|died|die|disappeared|vanished|was not here|were not here|was not around|were not around|did not wake up"
        r"|never woke up|stopped existing|was not alive|were not alive|did not make it|do not make it|was not"
        r" (?:here|around) anymore)\b"
        r"|\b(?:better|happier|easier|fine)(?: off)? without me\b"
        r"|\bif i (?:got|get) (?:hit by|in) (?:a|the) (?:car|bus|truck|train|accident|crash)<GAPC10> (?:relieved"
        r"|relief|fine|okay|glad|happy|better)\b"
        r"|\b(?:would not be (?:the worst thing|so bad|that bad)|would be (?:a relief|nice|fine|okay))<GAPC4> (?:if"
        r"|when) i (?:did not make it|died|do not make it|did not wake up|was gone|crashed|got hit)\b",
        "",
        "notice care miss matter better easier relieved happier fine okay ok lighter simpler without hit relief "
        "worst bad",
    ),
    (
        "hopeless",
        1,
        r"\bcan not (?:picture|see|imagine) (?:a |any |my )?future\b|\bno future for me\b"
        r"|\b(?:do not|can not) see the point(?: of| in)? (?:any of (?:this|it) |anything |life |living )?anymore\b"
        r"|\b(?:waste of (?:space|oxygen|air)|do not deserve to (?:live|be alive|exist|be here))\b"
        r"|\b(?:everything|life|it all|my life) (?:feels|is|seems) (?:so |completely |totally )?hopeless\b"
        r"|\bi (?:feel|am) (?:so |completely |totally )?hopeless\b"
        r"|\bhow much longer i can (?:keep (?:doing this|going|living)|do this|go on|take (?:this|it))\b"
        r"(?! (?:rotation|job|schedule|program|shift|class|block|pace|course|semester|commute)\b)"
        r"|\b(?:do not|does not|stopped|stop) car(?:e|ing) (?:if|whether) i (?:live|die|wake up|make it)\b",
        "",
        "future point waste deserve hopeless longer care caring",
    ),
)

_TEMPLATE = re.compile(r"<[A-Z]+\d*>")


def _expand(pattern: str) -> str:
    """Return ``pattern`` with its <FRAGMENT> placeholders filled in (fragments may use others)."""
    for _ in range(3):
        pattern = _TEMPLATE.sub(lambda m: _FRAGMENTS[m.group()], pattern)
    return pattern


@dataclass(frozen=True)
class _Signal:
    name: str
    level: int
    regex: re.Pattern[str]
    anchors: frozenset[str]
    corroborating: bool  # counts only beside another signal
    keyword: bool  # ignored in a clinical or teaching frame unless the author discloses
    speaker: bool  # always about the author, even when it addresses "you"


_SIGNALS: tuple[_Signal, ...] = tuple(
    _Signal(
        name=name,
        level=level,
        regex=re.compile(_expand(pattern)),
        anchors=frozenset(anchors.split()),
        corroborating="weak" in options.split(),
        keyword="keyword" in options.split(),
        speaker="speaker" in options.split(),
    )
    for name, level, pattern, options, anchors in _SIGNAL_SPECS
)
# anchor token -> indexes of the signals it may start, so a message only runs the patterns its words allow.
_SIGNALS_BY_ANCHOR: dict[str, tuple[int, ...]] = {
    anchor: tuple(i for i, signal in enumerate(_SIGNALS) if anchor in signal.anchors)
    for anchor in frozenset().union(*(signal.anchors for signal in _SIGNALS))
}

# Idioms and hyperbole, blanked out before any signal is matched.
_IDIOMS = re.compile(
    _expand(
        r"\bkilling me\b|\b(?:just |somebody |someone |please )?kill me(?: now| please)?\b"
        r"|\b(?:die|dying|died|dead) (?:of|from) (?:embarrassment|shame|cringe|boredom|laughter|laughing|happiness"
        r"|excitement|cuteness|hunger|thirst|the heat|heat|exhaustion|jealousy|envy|curiosity)\b"
        r"|\brather (?:die|be dead|kill myself|jump off a bridge|eat glass)<GAP2> than\b"
        r"|\bdying to (?:know|see|hear|try|get|go|meet|find|eat|read|watch|learn|ask|tell|share|sleep|start|visit)\b"
        r"|\bshot myself in the foot\b|\bcould (?:have )?kill(?:ed)? myself for\b"
        r"|\bkill(?:ing|ed)? myself (?:studying|working|revising|at the gym|laughing|trying to|to (?:finish|get"
        r"|make|study|keep up|pass)|over (?:this|that|these|the|a|an)|for (?:this|that|these|the|a|an)|with (?:work"
        r"|studying|these|this))\b"
        r"|\bover my dead body\b|\bdrop dead gorgeous\b"
        # Tired enough to sleep for ages is not a wish to die.
        r"|\bcould sleep (?:forever|for (?:days|ever|a week|a month|a year|100 years))\b"
        # Ending a relationship, and ropes that are for something else.
        # Only with a person: "end it with pills" must stay a crisis phrase.
        rf"|\b(?:end|ending|ended) (?:it|things|everything) with {_PARTNER}\b"
        r"|\bropes? (?:for|on) (?:my|the|a|our) (?:hammock|climbing|tent|boat|swing|gym|dog|tarp|bag|kayak|bike)\b"
        r"|\b(?:jump|jumping|skipping|climbing) ropes?\b|\bropes course\b|\blearn(?:ing|ed)? the ropes\b"
        r"|\brop(?:e|ed|ing) (?:me|you|him|her|them|us) in(?:to)?\b"
        # Glad to be somewhere is the opposite of not wanting to be there ("so glad to be here", "lucky to be alive").
        r"|\b(?:glad|happy|nice|good|great|lucky|grateful|thankful|excited|thrilled|proud|honou?red|blessed|relieved)"
        r" to (?:be|still be) (?:here|alive|back|part of|around|in this)\b"
        r"|\b(?:cut|cutting|burn|burned|burnt|burning|hurt|hurting|scratched) myself (?:on (?!purpose\b)|while\b"
        r"|when\b|during\b|shaving\b|cooking\b|at the gym\b|playing\b|with the (?:scalpel|knife) (?:in|during)\b)"
        r"|\b(?:let me|lets me|letting me|got to|get to|gets to|allowed me to|had me|let us) (?:cut|make the"
        r"(?: first)? cut)\b"
        r"|\boverdos(?:e|ed|ing) on (?:coffee|caffeine|sugar|chocolate|candy|anki|flashcards|netflix|memes|content"
        r"|tiktok|youtube|work|studying|cardio|questions)\b"
    )
)

# A clinical or teaching frame: keyword signals in such a message are about patients or study.
_CLINICAL = re.compile(
    r"\b(?:patient|patients|pt|pts|client|clients|lecture|lectures|exam|exams|shelf|quiz|quizzes|pharm|pharmacology"
    r"|mechanism|inhibitor|inhibitors|document|documentation|documenting|chart|charting|screen|screening|assessment"
    r"|prevention|awareness|statistics|rates|epidemiology|ssrs|columbia|sad persons|vignette|vignettes|uworld"
    r"|amboss|anki|qbank|nbme|usmle|osce|osces|differential|ddx|antidote|toxicology|tox|nac|guidelines|textbook"
    r"|first aid|cases|ward|consult|admitted|admission|surgeon|surgery|dissection|cadaver|suture|sutures|scalpel"
    r"|incision|trauma|triad|ems|paramedic|history taking|risk factors?|ideation|psych|psychiatry|learned"
    r"|learning|taught|teaching|discussed|discussing|seminar|workshop|training|module|course|drug|drugs"
    r"|black box|side effects?|adverse|adolescents|dsm|nssi|criteria)\b"
    r"|\bhow to (?:ask|screen|assess|document|chart|manage|treat|approach|counsel|talk to|respond to)\b"
    r"|\bhow (?:do|should|would|can) (?:i|we|you) (?:ask|screen|assess|document|chart|manage|treat|approach|counsel"
    r"|talk to|respond to)\b"
)
# The author speaking about themselves right before a keyword ("I've been feeling suicidal").
_DISCLOSURE_BEFORE = re.compile(
    r"(?:\bi (?:am|was|feel|felt|get|got|keep|have been|have|had|started|still)|\bfeeling|\bfelt|\bbeen"
    r"|\bgetting|\bgot|\bbecoming|\bhaving|\bmy|\bmakes? me|\bmade me|\bmaking me)(?: [a-z]+){0,2} $"
    # Nothing before it but filler: chat drops the "I" ("thinking about suicide more than my shelf rn").
    r"|^(?:(?:honestly|ngl|tbh|lowkey|lately|just|really|so|and|but|also|still|again|been|not going to lie"
    r"|i mean)(?: ,)? )*$"
)
_HEDGES = re.compile(
    r"\b(?:kind of|kinda|sort of|sorta|i guess|not really|not that i|just kidding|jk|i am joking|just joking"
    r"|only joking|not serious|not seriously|i would never (?:actually )?(?:do it|act on it|do anything)"
    r"|never act on it|not going to (?:act on|do) (?:it|anything)|i am safe|not actively|passively)\b"
)

# Laughter and joking markers: with them, a pattern's level-3 reading ("gonna kms lol this exam") stays at 2
# unless the language model also reads a plan. They never cancel risk on their own.
_JOKING = re.compile(r"\b(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jk|kidding|joking|xd)\b")

_FIRST = frozenset({"i", "me", "my", "myself", "mine", "id", "im"})
_SECOND = frozenset({"you", "your", "yourself", "yours"})
# Inside a hit only subjects, possessives and reflexives say whose act it is ("need them" does not).
_THIRD_IN_HIT = frozenset({"he", "she", "they", "his", "her", "their", "himself", "herself", "themselves", "themself"})
_THIRD = frozenset(
    """he she they him her them his their himself herself themselves themself friend friends roommate roomie
    classmate classmates colleague sister brother sibling mom mum dad mother father parent parents partner
    boyfriend girlfriend bf gf husband wife son daughter cousin uncle aunt someone somebody person guy girl
    student students peer bestie bff coworker who flatmate housemate suitemate labmate teammate neighbor neighbour
    fiance fiancee spouse niece nephew grandma grandpa grandmother grandfather stepmom stepdad coresident intern
    interns resident residents attending""".split()
)
_CLINICAL_SUBJECTS = frozenset({"patient", "patients", "pt", "pts", "client", "clients"})
# Verbs whose object "me" is the one told or sent something: "she texted me a goodbye message".
_TO_ME_VERBS = frozenset(
    """texted sent messaged told showed wrote emailed called asked gave snapchatted dmed dm messages texts sends
    tells shows gives""".split()
)
# "we" jumping off a cliff into a lake is an outing, not the author's plan.
_GROUP_WORDS = frozenset({"we", "us", "our", "ourselves"})
_CLAUSE_BREAKS = frozenset(".!?;,")
_NEGATORS = frozenset({"not", "never", "no", "nor"})
# A negation reaches a hit only across words like these ("not going to", "never been", "not really
# thinking about"); "if i do not pass i am ending it" is not a negated "ending it".
_NEGATION_BRIDGE = frozenset(
    """i am is was be been being have has had do did would will going to gonna want wanna wanting thinking
    think about of planning plan trying try really actually even ever just feel feeling felt that like so a
    ever seriously actively thoughts thought plans intention intentions urge urges desire""".split()
)
# After one of these, "no"/"not" does not negate what follows ("no longer want to live", "no one").
_NOT_NEGATING_NEXT = frozenset({"longer", "one", "only", "matter", "sure"})

# Who a hit is about.
_SELF, _SECOND_PERSON, _OTHER, _PATIENT, _GROUP = "self", "second person", "someone else", "patient", "group"


@dataclass(frozen=True)
class _Hit:
    signal: _Signal
    subject: str
    negated: bool
    span: tuple[int, int]


def detect_crisis(
    text: str, recent_messages: Sequence[str] = (), sensitivity: str = crisis_model.DEFAULT_SENSITIVITY
) -> CrisisResult:
    """Return the crisis assessment of raw ``text`` given the author's recent messages (oldest first)."""
    recent = tuple(normalize(m) for m in recent_messages[-CONTEXT_MESSAGES:])
    return assess(normalize(text), recent, sensitivity)


def assess(
    normalized: str, recent_normalized: Sequence[str] = (), sensitivity: str = crisis_model.DEFAULT_SENSITIVITY
) -> CrisisResult:
    """Return the crisis assessment of a normalised message; precondition: inputs come from normalize().

    ``sensitivity`` is one of ``crisis_model.SENSITIVITIES``: how readily the language model raises a level.
    """
    if not normalized:
        return NO_CRISIS
    results = [_assess_window(normalized, 0)]
    previous = " ".join(m for m in recent_normalized[-CONTEXT_MESSAGES:] if m)
    if previous:
        # The tail of the previous messages, cut at a token boundary.
        prefix = previous[-CONTEXT_TAIL_CHARS:]
        if len(prefix) < len(previous):
            prefix = prefix.partition(" ")[2]
        if prefix:
            results.append(_assess_window(f"{prefix} {normalized}", len(prefix) + 1))
    pattern_level = max(r.level for r in results)
    concern = any(r.concern_for_other for r in results)
    signals: list[str] = []
    for result in results:
        signals.extend(s for s in result.signals if s not in signals)
    other_level = max(r.other_level for r in results)

    if pattern_level == 0 and (concern or results[0].dismissed):
        # The patterns read it and set it aside (negated, about someone else, a patient): the model, which
        # reads words and not who they are about, does not second-guess that.
        model_level, plan_probability = 0, 0.0
    else:
        model_level, plan_probability = _ask_model(normalized, sensitivity)
        models = crisis_model.load()
        if pattern_level and not (model_level == 3 and plan_probability >= models.hold_confidence):
            # The patterns found risk and weighed it (hedges, negations in the clause, context): their level
            # stands, unless the model is as sure of a plan, means or an act as it must be to hold a message.
            model_level = 0
    joking = pattern_level == 3 and _JOKING.search(normalized) is not None and model_level < 3
    if joking:
        pattern_level = 2  # "gonna kms lol this exam": hyperbole never reaches level 3 on the patterns alone
    level = max(pattern_level, model_level)
    if model_level > pattern_level:
        signals.append("language_model")
        if model_level == 3:
            signals.append("language_model_plan")
    models = crisis_model.load()
    holdable = (
        level >= 1
        and not joking
        and (
            pattern_level >= level
            or (level == 3 and models is not None and plan_probability >= models.hold_confidence)
        )
    )
    if level == 0 and not concern:
        return NO_CRISIS
    return CrisisResult(level, tuple(signals), concern, other_level, holdable=holdable)


def _assess_window(window: str, offset: int, *, use_anchors: bool = True) -> CrisisResult:
    """Assess ``window``, counting only hits that end after ``offset`` (where the current message starts)."""
    if use_anchors:
        indexes: set[int] = set()
        for token in set(tokenize(window)):
            found = _SIGNALS_BY_ANCHOR.get(token)
            if found:
                indexes.update(found)
        if not indexes:
            return NO_CRISIS  # most chat messages stop here
        candidates = [_SIGNALS[i] for i in sorted(indexes)]
    else:
        candidates = list(_SIGNALS)
    text = _IDIOMS.sub(lambda m: "#" * len(m.group()), window)
    clinical: bool | None = None
    hits: list[_Hit] = []
    # Hits inside earlier messages do not count again, but they corroborate ("I want to die" / "I have a plan").
    earlier_hits: list[_Hit] = []
    for signal in candidates:
        for match in signal.regex.finditer(text):
            if signal.keyword:
                if clinical is None:
                    clinical = _CLINICAL.search(text) is not None
                if clinical and not _DISCLOSURE_BEFORE.search(text[max(0, match.start() - 60) : match.start()]):
                    continue
            subject = _subject(text, match, look_inside=not signal.speaker)
            if signal.speaker and subject == _SECOND_PERSON:
                subject = _SELF
            hit = _Hit(signal, subject, _is_negated(text, match.start()), match.span())
            (earlier_hits if match.end() <= offset else hits).append(hit)
    if not hits:
        return NO_CRISIS
    if clinical is None:
        clinical = _CLINICAL.search(text) is not None
    hedged = any(h.negated for h in hits) or _HEDGES.search(text[offset:]) is not None
    counted = [h for h in hits if not h.negated and h.subject == _SELF]
    about_other = [h for h in hits if not h.negated and h.subject == _OTHER]
    concern = not clinical and any(not h.signal.corroborating for h in about_other)
    # The risk reported about the other person: corroborating signals count only beside another piece.
    if not concern:
        other_level = 0
    elif _separate_pieces(about_other) >= 2:
        other_level = max(h.signal.level for h in about_other)
    else:
        other_level = max(h.signal.level for h in about_other if not h.signal.corroborating)
    corroborated = _separate_pieces(counted) >= 2 or any(not h.negated and h.subject == _SELF for h in earlier_hits)
    weak_alone = bool(counted) and len(counted) == len(hits) and all(h.signal.corroborating for h in counted)
    if all(h.signal.corroborating for h in counted) and not corroborated:
        counted = []  # one corroborating signal alone ("I have a plan") is no pattern evidence
    level = max((h.signal.level for h in counted), default=0)
    if level == 0 and not concern:
        if weak_alone and not corroborated:
            return NO_CRISIS  # nothing set aside: the language model may still read a plan in the words
        return _DISMISSED  # matched, but negated, about a patient or someone else
    if hedged and level > 1:
        level -= 1
    names: list[str] = []
    for hit in counted:
        if hit.signal.name not in names:
            names.append(hit.signal.name)
    return CrisisResult(level, tuple(names), concern, other_level)


# Hair dyed ("die my hair blue", a common misspelling) or cut: phrases the patterns already read as harmless.
# The model reads one harmless word instead, not the crisis words around it.
_HAIRCUT = re.compile(r"\b(?:die|died|dying|dye|dyed|cut|cutting|chop|chopped) (?:my|her|his|your|their) hair\b")
# What an idiom or hyperbole becomes for the model: a word of its own, which the training data (rich in
# hyperbole among hard non-crisis messages) teaches it to read, rather than a blank that leaves "i am so
# tired , i" of "i am so tired, i could sleep forever".
IDIOM_TOKEN = "idiom"


def model_text(normalized: str) -> str:
    """The text the language model reads: the normalised message with idioms and hyperbole marked."""
    text = _HAIRCUT.sub("haircut", normalized)
    return " ".join(_IDIOMS.sub(f" {IDIOM_TOKEN} ", text).split())


def _enough_words(text: str) -> bool:
    return sum(token.isalpha() for token in tokenize(text)) >= MODEL_MIN_WORDS


def _ask_model(normalized: str, sensitivity: str) -> tuple[int, float]:
    """Return the language model's level for a message (see crisis_model) and its plan probability.

    0 when there is no model, or the message is too short for one word's weight not to decide.
    """
    models = crisis_model.load()
    if models is None:
        return 0, 0.0
    text = model_text(normalized)
    if not _enough_words(text):
        return 0, 0.0
    reading = models.read(text)
    return models.level(reading, sensitivity), reading.plan


def _separate_pieces(hits: list[_Hit]) -> int:
    """Return how many hits do not overlap an earlier one: one phrase is one piece of evidence."""
    count = 0
    last_end = -1
    for start, end in sorted(h.span for h in hits):
        if start >= last_end:
            count += 1
        last_end = max(last_end, end)
    return count


def _subject(text: str, match: re.Match[str], *, look_inside: bool = True) -> str:
    """Return who a hit is about: the author, the reader, someone else, or a patient.

    Pronouns inside the hit decide first ("kill herself", "end my life") unless ``look_inside`` is
    False, for hits whose pronouns are objects ("won't need her anymore" about a cat).
    """
    for token in tokenize(match.group()) if look_inside else ():
        if token in _THIRD_IN_HIT:
            return _OTHER
        if token in _FIRST:
            return _SELF
        if token in _SECOND:
            return _SECOND_PERSON
    # No person inside the hit: the nearest subject before it in the same clause, else the author.
    before = tokenize(text[max(0, match.start() - 80) : match.start()])
    window = before[-12:]
    for index in range(len(window) - 1, -1, -1):
        token = window[index]
        if token in _CLAUSE_BREAKS:
            break
        if token in _CLINICAL_SUBJECTS:
            return _PATIENT
        if token in _GROUP_WORDS:
            return _GROUP
        # Who is sent or told something is not who acts: "she texted me a goodbye message", "I texted my
        # mom a goodbye message"; nor is what the author owns: "a friend from my small group posted ...".
        # Keep looking for the subject.
        if _is_recipient(window, index):
            continue
        if token == "my" and index + 1 < len(window) and window[index + 1] not in _THIRD:
            continue
        if token in _FIRST:
            return _SELF
        if token in _SECOND:
            return _SECOND_PERSON
        if token in _THIRD:
            return _OTHER
    return _SELF


def _is_recipient(window: list[str], index: int) -> bool:
    """Return True if ``window[index]`` is the person something was sent or told to ("texted [my] mom")."""
    token = window[index]
    if token not in _THIRD and token != "me":
        return False
    previous = window[index - 1] if index > 0 else ""
    if previous in _TO_ME_VERBS:
        return True
    return previous in ("my", "his", "her", "their") and index > 1 and window[index - 2] in _TO_ME_VERBS


def _is_negated(text: str, start: int) -> bool:
    """Return True if a negation governs the hit starting at ``start`` (same clause, bridged by auxiliaries)."""
    before = tokenize(text[max(0, start - 80) : start].rstrip(" "))
    for index in range(len(before) - 1, max(-1, len(before) - 7), -1):
        token = before[index]
        if token in _NEGATORS:
            following = before[index + 1] if index + 1 < len(before) else ""
            return following not in _NOT_NEGATING_NEXT
        if token in _CLAUSE_BREAKS or token not in _NEGATION_BRIDGE:
            return False
    return False
