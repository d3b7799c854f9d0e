"""The words crisis detection is written in: pattern fragments, acts, idioms, frames, hedges, persons.

Pure data (strings, compiled regular expressions, word sets) and one helper, ``expand``. The behaviours
built from these pieces are in ``moderation.crisis_signals``; the assessment that uses the rest is in
``moderation.crisis``.

Normalised text (``moderation.normalize``) is lower-case words separated by single spaces, with
contractions expanded ("i am", "do not", "will not", "i would") and punctuation as separate tokens.
Patterns are written for that form, with ``<FRAGMENT>`` placeholders (``<GAP2>``, ``<REFL>``,
``<PILLS>``, ...) that ``expand`` fills in.

- Idioms and clinical hyperbole (``IDIOMS``: "this exam is killing me", "I'd rather die than", "dying
  to know", "killing myself studying", "let me cut" in theatre) are blanked out before any signal is
  matched, so they cannot match.
- Keyword signals ("suicidal", "self harm", "suicide note", "lethal dose") are ignored in a clinical or
  teaching frame (``CLINICAL_FRAME``: patient, lecture, shelf, pharm, screening, ...) unless the author
  discloses right before the keyword (``DISCLOSURE_BEFORE``: "I've been feeling suicidal since the
  psych shelf").
- Hedges (``HEDGES``: "kind of", "jk", "I'd never act on it") lower a level by one; laughter and joking
  markers (``JOKING``) keep a level-3 reading from the patterns alone at 2.
- Person, group and negation words are what ``moderation.crisis_attribution`` reads to tell whose risk a
  hit is and whether it is negated.
"""

from __future__ import annotations

import re

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
PILL_WORDS = (
    "pills meds medication medications tablets painkillers tylenol paracetamol acetaminophen ibuprofen advil "
    "aspirin benzos xanax insulin lithium antidepressants opioids oxy oxycodone hydrocodone morphine fentanyl "
    "prescription sertraline zoloft fluoxetine prozac citalopram escitalopram lexapro paroxetine venlafaxine "
    "bupropion wellbutrin trazodone quetiapine seroquel amitriptyline lorazepam ativan clonazepam klonopin "
    "diazepam valium alprazolam zolpidem ambien melatonin propranolol gabapentin adderall"
)
REFLEXIVE_WORDS = "myself himself herself themselves themself yourself"

_TEMPLATE = re.compile(r"<[A-Z]+\d*>")


def expand(pattern: str) -> str:
    """Return ``pattern`` with its <FRAGMENT> placeholders filled in (fragments may use others)."""
    for _ in range(3):
        pattern = _TEMPLATE.sub(lambda m: _FRAGMENTS[m.group()], pattern)
    return pattern


# Words of the act itself. These count without a frame ("kill myself", "end my life"); DIE,
# END_IT, OFF_SELF, HURT_SELF and METHOD only after an ideation frame ("want to die",
# "thinking about driving into traffic").
KILL_SELF = (
    r"(?:kill|kills|killing|killed|end|ending|hang|hanging|hanged|shoot|shooting|drown|drowning|poison|poisoning|suffocate|"
    r"suffocating|stab|stabbing|electrocute|gas|starve|starving) <REFL>"
)
END_LIFE = r"(?:end|ends|ending|ended|take|takes|taking|took) <POSS> (?:own )?life\b(?! back)"
# Ending it with a person is a break-up: "end things with my boyfriend".
_PARTNER = (
    r"(?:him|her|them|my (?:bf|gf|boyfriend|girlfriend|partner|ex|fiance|fiancee|husband|wife|roommate|flatmate"
    r"|friend|friends|situationship|crush))"
)
END_ALL = (
    r"(?:end|ends|ending|ended) (?:it all|everything|all of it|things)\b"
    rf"(?! (?:with {_PARTNER}|on|off|between|early)\b)"
)
COMMIT_SUICIDE = r"(?:commit|committing|committed|attempt|attempting|attempted|die by|died by) suicide\b"
# "end it" but not "end it with him", "end it here" (a conversation), "end it early" (a shift).
NOT_ENDING_A_LIFE = rf"(?! (?:with {_PARTNER}|for|at|early|here|there|off|between|now)\b)"
END_IT = rf"(?:end|ending) it\b{NOT_ENDING_A_LIFE}"
DIE = (
    r"(?:die|be dead|not be alive|stop living|not live anymore)"
    r"\b(?! (?:of|from|laughing|down|out|off|for|inside|a little|(?:my|your|her|his|their) (?:hair|clothes|shirt))\b)"
    # "i wanna unalive" normalises to a "kill" with nothing after it.
    r"|kill(?: [.,!?;:]|$)"
)
OFF_SELF = r"(?:off|offing) <REFL>"
HURT_SELF = (
    r"(?:hurt|hurting|harm|harming|harmed|cut|cutting|burn|burning|burned|burnt|scratch|scratching|scratched|punch|"
    r"punching|punched|punish|punishing|punished|bruise|bruising|bruised|bleed|mutilate|mutilating|mutilated|"
    r"choke|choking|choked|strangle|strangling|strangled|hit|hits|hitting|slap|slapping|slapped|bang|banging|"
    r"banged|bite|biting|starve|starving|starved) <REFL>"
)
# Where self-injury lands, and what says it was meant ("scratched my arms till they bled").
BODY_PART = (
    r"(?:my|both) (?:arms?|wrists?|forearms?|legs?|thighs?|skin|stomach|belly|hips?|hands?|knuckles|head|fists?"
    r"|chest|ankles?|fingers?)"
)
DELIBERATE = (
    r"(?:on purpose|deliberately|intentionally|to feel|to cope|to punish|because i deserve|so i can feel"
    r"|(?:until|till) (?:i|it|they|the skin|my skin|my [a-z]+) (?:bleed|bleeds|bled|bruise|bruised|broke|break"
    r"|breaks|split|scarred|blistered)|hard enough to (?:bruise|bleed|leave (?:a )?marks?|hurt|break|scar))"
)
METHOD_OBJECTS = (
    "barrier wall traffic tree bridge river lake truck lorry median guardrail pole ditch cliff overpass divider "
    "train trains sea ocean roof rooftop building balcony window tower garage park subway tracks bus ledge "
    "highway freeway motorway car road"
)
METHOD = (
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
# Days and heights, for the behaviours added after a blind evaluation (see crisis_signals).
DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|today|tomorrow|this weekend)"
HEIGHTS = (
    r"(?:top (?:level|floor|deck) of (?:the |my |a |this )?(?:[a-z]+ ){0,2}(?:garage|building|parking|structure"
    r"|hospital|library|dorm|tower)|roof|rooftop|bridge|ledge|edge|tracks|railing|overpass|cliff|balcony)"
)

# Idioms and hyperbole, blanked out before any signal is matched.
IDIOMS = re.compile(
    expand(
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
CLINICAL_FRAME = re.compile(
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
DISCLOSURE_BEFORE = re.compile(
    r"(?:\bi (?:am|was|feel|felt|get|got|keep|have been|have|had|started|still)|\bfeeling|\bfelt|\bbeen"
    r"|\bgetting|\bgot|\bbecoming|\bhaving|\bmy|\bmakes? me|\bmade me|\bmaking me)(?: [a-z]+){0,2} $"
    # Nothing before it but filler: chat drops the "I" ("thinking about suicide more than my shelf rn").
    r"|^(?:(?:honestly|ngl|tbh|lowkey|lately|just|really|so|and|but|also|still|again|been|not going to lie"
    r"|i mean)(?: ,)? )*$"
)
HEDGES = re.compile(
    r"\b(?:kind of|kinda|sort of|sorta|i guess|not really|not that i|just kidding|jk|i am joking|just joking"
    r"|only joking|not serious|not seriously|i would never (?:actually )?(?:do it|act on it|do anything)"
    r"|never act on it|not going to (?:act on|do) (?:it|anything)|i am safe|not actively|passively)\b"
)

# Laughter and joking markers: with them, a pattern's level-3 reading ("gonna kms lol this exam") stays at 2
# unless the language model also reads a plan. They never cancel risk on their own.
JOKING = re.compile(r"\b(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jk|kidding|joking|xd)\b")

# Person words: who a hit is about (crisis_attribution.subject_of).
FIRST_PERSON_WORDS = frozenset({"i", "me", "my", "myself", "mine", "id", "im"})
SECOND_PERSON_WORDS = frozenset({"you", "your", "yourself", "yours"})
# Inside a hit only subjects, possessives and reflexives say whose act it is ("need them" does not).
THIRD_PERSON_IN_HIT = frozenset(
    {"he", "she", "they", "his", "her", "their", "himself", "herself", "themselves", "themself"}
)
THIRD_PERSON_WORDS = frozenset(
    """he she they him her them his their himself herself themselves themself friend friends roommate roomie
    classmate classmates colleague sister brother sibling mom mum dad mother father parent parents partner
    boyfriend girlfriend bf gf husband wife son daughter cousin uncle aunt someone somebody person guy girl
    student students peer bestie bff coworker who flatmate housemate suitemate labmate teammate neighbor neighbour
    fiance fiancee spouse niece nephew grandma grandpa grandmother grandfather stepmom stepdad coresident intern
    interns resident residents attending""".split()
)
CLINICAL_SUBJECTS = frozenset({"patient", "patients", "pt", "pts", "client", "clients"})
# Verbs whose object "me" is the one told or sent something: "she texted me a goodbye message".
TELLING_VERBS = frozenset(
    """texted sent messaged told showed wrote emailed called asked gave snapchatted dmed dm messages texts sends
    tells shows gives""".split()
)
# "we" jumping off a cliff into a lake is an outing, not the author's plan.
GROUP_WORDS = frozenset({"we", "us", "our", "ourselves"})
CLAUSE_BREAKS = frozenset(".!?;,")
# Negation words: whether a negation governs a hit (crisis_attribution.is_negated).
NEGATORS = frozenset({"not", "never", "no", "nor"})
# A negation reaches a hit only across words like these ("not going to", "never been", "not really
# thinking about"); "if i do not pass i am ending it" is not a negated "ending it".
NEGATION_BRIDGE = frozenset(
    """i am is was be been being have has had do did would will going to gonna want wanna wanting thinking
    think about of planning plan trying try really actually even ever just feel feeling felt that like so a
    ever seriously actively thoughts thought plans intention intentions urge urges desire""".split()
)
# After one of these, "no"/"not" does not negate what follows ("no longer want to live", "no one").
NOT_NEGATING_NEXT = frozenset({"longer", "one", "only", "matter", "sure"})
