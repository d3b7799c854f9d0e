"""Crisis detection on messages written for these tests (none are dev-set sentences).

Levels: 1 distress or a passive wish to be dead, 2 active ideation or self-harm, 3 plan, means,
intent, preparation or an act in progress. Medical-student talk and idioms must stay at 0.
"""

import pytest

from moderation import crisis
from moderation.crisis import detect_crisis
from moderation.normalize import normalize


def level(text, recent=()):
    return detect_crisis(text, recent).level


PASSIVE = [
    "honestly I just want to stop existing",
    "I really don't want to be alive anymore",
    "some days I wish I'd never been born",
    "my family would honestly be better off without me",
    "I'm such a burden to everyone around me",
    "would anyone even care if I died tomorrow",
    "I'm so done with life",
    "there's no point in living anymore",
    "I hope I don't wake up tomorrow",
    "sometimes i pray i just never wake up",
    "I want to vanish forever and never come back",
    "I can't go on like this",
    "nothing left to live for honestly",
    "i dont wanna be here any more",
    "tired of existing tbh",
    "everyone at home would be happier if I was gone",
    "if I died in my sleep tonight I think I'd be relieved",
    "there's nothing left for me here",
    "lately I've been wishing I could just not exist",
    "it would be easier for everyone if I wasn't around",
    "what's even the point of living like this",
    "no one would even notice if I stopped showing up forever",
    "I'd be fine if a bus hit me tomorrow honestly",
    "I don't want to wake up anymore",
]

ACTIVE = [
    "i wanna die so bad",
    "I just want to die lol",
    "I keep thinking about killing myself",
    "been thinking about suicide a lot lately",
    "feeling really suicidal tonight",
    "I want to hurt myself so badly right now",
    "had the urge to cut again after my eval",
    "I wish I was dead",
    "I'd rather be dead",
    "sometimes I think about jumping off the parking garage at the hospital",
    "part of me wants to step in front of a train",
    "I could just swerve into oncoming traffic on my drive home",
    "thinking of ending it all after this rotation",
    "I burned myself on purpose last night",
    "I've been cutting myself again since the match results",
    "dreaming about overdosing on my meds",
    "I hate myself so much I want to die",
    "wanting to die is my default state lately",
    "sometimes I want to crash my car on the way to clinic",
    "all I think about lately is dying",
    "i want to end myself",
    "thinking about offing myself after this block",
    "I keep picturing myself jumping in front of the subway",
    "I started cutting again",
    "been self harming more since clerkships started",
    "every night I think about how easy it would be to take all my pills",
    "I'm suicidal",
]

ACTIVE_EVADED = [
    "I want to k1ll mys3lf",  # leetspeak
    "I want to k\u0456ll my\u0455elf",  # Cyrillic look-alikes
    "I want to \u03baill myself",  # Greek kappa
    "I want to \uff4b\uff49\uff4c\uff4c myself",  # full-width
    "I want to kill\u200d myself",  # zero-width joiner
    "I want to k_i_l_l m_y_s_e_l_f",  # underscores
    "k.i.l.l m.y.s.e.l.f",  # dots
    "s-u-i-c-i-d-a-l tonight",  # dashes
    "want to d i e",  # spaces
    "wanna dieeeee",  # stretched
    "i want 2 die",  # text-speak
    "wanna unalive myself fr",  # algospeak
    "considering sewerslide tbh",  # algospeak
    "thinking about ctb tonight",  # suicide-forum slang
    "kinda wanna kms ngl",  # hedged slang: lowered, never cancelled
    "su1c1dal thoughts again",
    "I'd be better off d3ad",
    "su!c!de is on my mind constantly",
    "I w a n t t o d i e",
]

PLAN_OR_ACT = [
    "I'm going to kill myself tonight",
    "gonna end my life this weekend",
    "I've decided to end it on Friday",
    "I've been stockpiling my sleeping pills",
    "I have enough oxy saved up to do it",
    "I tied a noose in my closet",
    "I looked up the lethal dose of my antidepressants",
    "how many tylenol would it take to not wake up",
    "what's the most painless way to die",
    "this is goodbye, I love you all",
    "by the time you read this I'll be gone",
    "I just took the entire bottle of my sleeping pills",
    "swallowed a handful of pills, feeling dizzy",
    "I wrote a goodbye note to my parents",
    "please take care of my dog for me",
    "I have a plan and I know when I'll do it",
    "I'm planning to kill myself after graduation",
    "if I don't match I'm ending it",
    "I'm going to jump off the bridge tonight",
    "I've got the pills lined up on my desk",
    "I bought a gun last week, I know what I'm going to do with it",
    "I already took 30 of my sertraline",
    "I'm standing on the ledge right now",
    "gave my cat to my sister, I won't need her anymore",
    "im gonna kill myself",
    "I'm ready. I have everything I need, tonight's the night",
    "I've been collecting my mom's sleeping pills for weeks",
    "I took like 20 tylenol an hour ago",
    "what's the quickest way to end it",
    "I'm sitting on the edge of the roof",
    "I've decided I'm going to hang myself this weekend",
    "I looked up how many of my pills it would take to die",
]

NOT_CRISIS = [
    "no thoughts of hurting myself, just exhausted after call",
    # exam and rotation hyperbole
    "this shelf is literally killing me",
    "I'd rather die than retake biochem",
    "dying to hear how your sub-I went",
    "I almost died laughing at the pharm mnemonics",
    "dead on my feet after nights",
    "you killed that OSCE station!",
    "ugh I could kill myself for forgetting my stethoscope",
    "killing myself studying for this shelf",
    "I'm dying, this heat is unbearable",
    "I'm so tired, I could sleep forever",
    "i'm dead \U0001f480 that meme",
    "dying of boredom in this lecture",
    "I'm going to kill this exam tomorrow",
    # pharmacology and clinical teaching
    "Tricyclic overdose: give sodium bicarb for wide QRS",
    "What's the lethal dose of digoxin for the exam?",
    "How do you screen for suicidal ideation in the ED?",
    "Suicide risk assessment lecture is mandatory tomorrow",
    "Physician suicide rates are a real problem we should talk about",
    "Aspirin is a suicide inhibitor? no wait, it's irreversible acetylation",
    "We discussed self-harm in adolescents in psych lecture",
    "how do I document self harm in the chart?",
    "In psych today we learned how to ask about suicidal thoughts directly",
    "The drug can cause suicidal ideation in adolescents, black box warning",
    "The lethal triad and the deadly dozen are on the surgery shelf",
    "the toxic dose of acetaminophen is 150 mg/kg",
    "Can someone explain the SAD PERSONS scale for the psych shelf?",
    # patients
    "My patient attempted suicide last week and I can't stop thinking about it",
    "My patient overdosed on insulin, glucose was 20",
    "she took the whole bottle according to the ED note",
    "The patient cut himself with a knife, needed 6 sutures",
    # surgery and anatomy
    "The attending let me cut during the appendectomy!",
    "cut myself on the scalpel in anatomy lab, ouch",
    "I hurt myself at the gym yesterday, pulled a hamstring",
    # negation without other risk language
    "I'm not suicidal, just burnt out",
    "I'm not going to kill myself, don't worry, I'm just venting about stress",
    "I'm not suicidal or anything, just really stressed about boards",
    # everyday words that look like risk words
    "hanging in there, one more week of surgery",
    "anyone want to hang out after the exam?",
    "I need to catch the bus to the hospital at 6",
    "my plan is to do Anki then UWorld",
    "giving away my old first aid book to an M1, won't need it after step 1",
    "just in case anyone needs it, here are my cardio notes",
    "goodbye everyone, see you after the break!",
    "thanks for everything this rotation, you were great",
    "Jumped off the bus at the wrong stop lol",
    "I want to dye my hair purple after boards",
    "I cut my hair short, thoughts?",
    "taking my life back one week at a time, therapy helps",
    "rock climbing gym tonight, bought a new rope",
    "What's the fastest way to get to the VA hospital from campus?",
    "How much caffeine would it take to stay awake through nights?",
    "end it with him already, he's toxic",
    "let's end it here for today's study session",
    "we're going to jump off the cliff into the lake this summer",
    "therapist said I'm making progress",
    "Scunthorpe rotation site is far",
    "my skills lab was overkill today",
    "this call schedule is going to be the death of me",
    "she killed it in the mock interview",
    "I'd kill for a decent coffee on the wards",
    "What's the max dose of acetaminophen per day?",
    "Patient presented with intentional overdose of TCAs, what's the workup?",
    "We practiced the columbia suicide severity rating scale today",
    "Remember to ask about firearms at home when assessing suicide risk",
    "He cut himself shaving before the interview lol",
    "Does anyone know how to end the zoom call for everyone?",
    "I'm so done with this rotation haha",
    "no point in studying tonight, I'm too tired",
    "I want to disappear into a beach vacation after step",
    "Bought a new rope for my hammock",
    "I want to die my hair blue",
]

CONCERN_FOR_OTHERS = [
    "My friend said she wants to kill herself, how do I help her?",
    "my roommate has been talking about suicide and I'm scared for him",
    "worried about my brother, he keeps saying he wants to end his life",
    "a classmate posted that she's thinking about ending it",
    # Who is sent something is not who acts, and "my" owning a thing does not make the author the subject.
    "my flatmate messaged me a goodbye message and won't open her door",
    "a guy from my anatomy group posted a suicide note on his story",
    "there's a gun in his car and he keeps talking about ending it",
]

# How much risk the author reports for the other person decides whether moderators are alerted (from 2).
OTHER_LEVELS = [
    ("my friend doesn't want to be alive anymore", 1),
    ("my roommate said she wants to kill herself", 2),
    ("my flatmate messaged me a goodbye message and won't open her door", 3),
    ("my brother has been stockpiling his sleeping pills", 3),
]


def test_someone_else_giving_things_away_is_not_concern_by_itself():
    assert not detect_crisis("my friend gave her old textbooks away, won't need them now").concern_for_other


@pytest.mark.parametrize("text", PASSIVE)
def test_passive_wishes_and_distress_are_level_1(text):
    assert level(text) == 1


@pytest.mark.parametrize("text", ACTIVE)
def test_active_ideation_and_self_harm_are_level_2(text):
    assert level(text) == 2


@pytest.mark.parametrize("text", ACTIVE_EVADED)
def test_evasions_do_not_hide_active_ideation(text):
    assert level(text) >= 1


@pytest.mark.parametrize("text", PLAN_OR_ACT)
def test_plans_means_intent_and_acts_are_level_3(text):
    assert level(text) == 3


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_study_clinical_idiomatic_and_negated_messages_are_level_0(text):
    result = detect_crisis(text)
    assert result.level == 0, result.signals


# Ordinary sentences the shipped word model misreads at the default (high) sensitivity: measured false
# alarms, listed in docs/moderation.md ("What it misses"). They reach a moderator's queue but are never held,
# and at low sensitivity they are not raised. A better model must make them level 0 at every setting.
KNOWN_FALSE_ALARMS_AT_HIGH = [
    "I would never hurt myself",
    "I have a plan for dedicated and I'm going to stick to it",
    "took 2 ibuprofen for my headache",
    # Ordinary distress about mistakes: level 2 at high (the README's demo conversation shows it in the queue).
    "Third night of call this week. I keep making small mistakes and I'm scared it'll show.",
]


@pytest.mark.parametrize("text", KNOWN_FALSE_ALARMS_AT_HIGH)
def test_known_false_alarms_are_never_held_and_not_raised_at_low_sensitivity(text):
    assert not detect_crisis(text).holdable
    assert detect_crisis(text, sensitivity="low").level == 0


@pytest.mark.parametrize("text", CONCERN_FOR_OTHERS)
def test_concern_for_someone_else_sets_the_flag_without_escalating_the_author(text):
    result = detect_crisis(text)
    assert result.level == 0
    assert result.concern_for_other


@pytest.mark.parametrize(("text", "expected"), OTHER_LEVELS)
def test_the_risk_reported_for_someone_else_has_its_own_level(text, expected):
    result = detect_crisis(text)
    assert (result.level, result.other_level) == (0, expected)


def test_ending_things_with_a_partner_is_not_ending_a_life_but_with_pills_it_is(monkeypatch):
    monkeypatch.setattr(crisis.crisis_model, "load", lambda: None)  # the patterns alone
    assert detect_crisis("end it with him already, he never texts back").level == 0
    assert detect_crisis("going to end it with pills tonight").level == 3


def test_the_author_sending_a_goodbye_is_the_author_at_risk():
    assert detect_crisis("I emailed my brother a goodbye letter tonight").level == 3
    assert not detect_crisis("I emailed my brother a goodbye letter tonight").concern_for_other


def test_a_patient_at_risk_is_not_concern_for_a_friend():
    assert not detect_crisis("my patient said he wants to kill himself, how do I document it?").concern_for_other


def test_a_negation_with_other_risk_language_lowers_but_never_cancels():
    assert level("I'm not suicidal, I just wish I could stop existing") == 1
    assert level("I'm not going to do anything, but I want to die") == 1


def test_hedging_lowers_active_ideation_by_one_level():
    assert level("I want to die") == 2
    assert level("I kind of want to die") == 1
    assert level("I want to die jk") == 1


def test_laughter_and_emoji_do_not_lower_the_level():
    assert level("I want to die lol") == 2
    assert level("gonna kms haha \U0001f602") >= 2


def test_hyperbole_with_laughter_stays_below_level_three_on_the_patterns_alone():
    # Security and crisis review: "gonna kms lol this exam" was level 3 and held from the room. Laughter never
    # cancels risk (moderators still see it at 2) but a joke is not a plan: level 3 needs the model to agree.
    assert level("gonna kms lol this exam") == 2
    assert level("i'm going to kill myself lmao this shelf") == 2


def test_a_negation_in_another_clause_does_not_cancel_intent():
    assert level("if I don't pass I'm ending it") == 3
    assert level("no one gets it. I want to die") == 2


def test_a_thought_split_over_messages_is_detected():
    assert level("disappear forever", recent=("I wish I could just",)) == 1
    assert level("kill myself", recent=("honestly I want to",)) == 2


def test_an_earlier_crisis_message_does_not_escalate_later_small_talk():
    assert level("anyway, who has the renal notes?", recent=("I want to die",)) == 0


def test_a_lone_happy_farewell_is_raised_only_at_high_sensitivity():
    # A goodbye alone is no pattern evidence; the language model reads the rest. At the default (high)
    # sensitivity it may show a moderator a farewell the patterns cannot judge; at standard and low it is
    # not raised. docs/decisions.md: a false alarm costs a moderator seconds, a missed goodbye can cost a life.
    text = "Goodbye everyone, I'm graduating! thanks for everything"
    assert detect_crisis(text, sensitivity="standard").level == 0
    assert detect_crisis(text, sensitivity="low").level == 0
    assert not detect_crisis(text).holdable


def test_earlier_messages_corroborate_a_plan(monkeypatch):
    monkeypatch.setattr(crisis.crisis_model, "load", lambda: None)  # the patterns' corroboration alone
    assert level("I have a plan") == 0
    assert level("I have a plan", recent=("I want to die",)) == 3
    assert level("I've chosen a date") == 0
    assert level("I've chosen a date", recent=("I don't want to be here anymore",)) == 3


def test_one_phrase_is_not_two_pieces_of_evidence():
    assert level("goodbye everyone") == 0
    assert level("goodbye everyone, thanks for putting up with me") == 3


def test_context_does_not_turn_the_author_into_someone_else():
    # The friend in the earlier message must not make the author's own statement "about someone else".
    assert level("I want to die too", recent=("my roommate is so loud",)) == 2


def test_signal_names_describe_what_was_found():
    assert detect_crisis("I've been stockpiling my pills").signals == ("means_stockpiled",)
    assert detect_crisis("hello there").signals == ()


def test_every_level_is_between_0_and_3():
    for text in PASSIVE + ACTIVE + ACTIVE_EVADED + PLAN_OR_ACT + NOT_CRISIS:
        assert 0 <= level(text) <= 3


@pytest.mark.parametrize("text", PASSIVE + ACTIVE + ACTIVE_EVADED + PLAN_OR_ACT + CONCERN_FOR_OTHERS)
def test_skipping_patterns_by_anchor_words_never_changes_the_result(text):
    # Each signal only runs when one of its anchor words is present; a missing anchor would silently
    # drop the signal, so compare with a scan that runs every pattern.
    normalized = normalize(text)
    assert crisis._assess_window(normalized, 0) == crisis._assess_window(normalized, 0, use_anchors=False)
