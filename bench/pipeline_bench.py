"""Benchmark moderation.pipeline.review on a realistic mix of chat messages, on one core.

Run from the repository root:

    .venv/bin/python bench/pipeline_bench.py [--rounds N] [--no-context]
    .venv/bin/python bench/pipeline_bench.py --hostile [--rounds N]

Each message is reviewed with DEFAULT_RULES in a ReviewContext like the server builds: a room slug,
anonymous authors in some rooms, and (unless --no-context) the author's two previous messages.
The pipeline's normalisation memo is cleared at the start of every round, so repeating the mix
does not let a message hit the cache as its own current text (real messages are new).
Prints messages/second and p50/p99 microseconds per message, then one JSON line.

``--hostile`` instead times inputs shaped to make regexes backtrack (the ones tests/moderation/test_rules.py
checks by counting scans): the slowest review of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moderation import crisis, pipeline
from moderation.pipeline import ReviewContext, review
from moderation.rules import DEFAULT_RULES, compile_rules
from tests.moderation.hostile_inputs import HOSTILE

TARGET_MESSAGES_PER_SECOND = 5000

STUDYING = [
    "anyone have good notes for the renal block? the lecture slides are a mess",
    "what's the best way to study for step 1 while on rotations?",
    "is first aid enough for the micro section or do I need sketchy too",
    "just finished 40 uworld questions, 62% correct, not great not terrible",
    "does anyone understand the difference between nephritic and nephrotic?",
    "I keep mixing up the brachial plexus branches",
    "making an anki deck for the cardio murmurs, happy to share",
    "how many hours a day are people studying during dedicated?",
    "pathoma chapter 3 is so good",
    "can someone explain the coagulation cascade like I'm five",
    "biochem is my nemesis",
    "study group at the library at 7?",
    "who's taking the NBME practice exam this weekend",
    "my score went up 15 points on the last practice test!!",
    "I need a study buddy for pharm, anyone?",
    "what resources did you use for the psych shelf",
    "the immunology lecture went way over time again",
    "flashcards or practice questions, what works better for you?",
    "is it normal to forget everything from M1",
    "I finally understand acid base, only took two years",
    "anyone have a mnemonic for the cranial nerves that isn't offensive",
    "renal physiology makes me want to cry",
    "doing a qbank block then going to the gym",
    "the anatomy practical is on friday right?",
    "our small group facilitator is amazing",
    "I'm behind on lectures again",
    "how do you keep up with anki reviews during surgery",
    "the histology slides all look the same to me",
    "got a 240 on my practice test, feeling cautiously hopeful",
    "does anyone have the updated schedule for block 4?",
    "I can't believe the exam covered that one slide",
    "who wants to quiz each other on antibiotics",
    "finished my research abstract finally",
    "reading about heart failure management for tomorrow",
    "ecg interpretation practice anyone?",
    "what's high yield for the neuro shelf",
    "I love the clinical vignettes in this book",
    "notes on the lipid drugs are in the shared drive",
    "can we move the study session to 8",
    "I'm going to redo the cardio questions I got wrong",
]
ROTATIONS = [
    "first day of surgery rotation tomorrow, any tips?",
    "my attending asked me about the blood supply of the stomach and I blanked",
    "28 hour call done, going to sleep forever lol",
    "pre-rounding at 5am is brutal",
    "the residents on medicine are so nice",
    "got to scrub into a whipple today, 9 hours",
    "peds is my favourite rotation so far",
    "how do you present a patient on rounds without rambling",
    "OB call tonight, wish me luck",
    "I got pimped on the krebs cycle during a c-section, why",
    "psych rotation has been really eye opening",
    "anyone know where the call rooms are at the VA",
    "my intern let me write the notes today",
    "first time delivering a baby, I'm still shaking",
    "the ED was wild last night",
    "how do you ask for feedback without being awkward",
    "the patient in bed 12 was so sweet to me",
    "I forgot my stethoscope at home again",
    "family med clinic was chill today",
    "my resident said my H&P was solid",
    "we had a code on the floor today, it was intense",
    "how early do you get there for surgery rounds",
    "neuro rounds take forever",
    "I love my preceptor in clinic",
    "shadowing in derm next week",
    "the OR music today was all 80s rock",
    "had to break bad news for the first time",
    "ICU week is exhausting but I'm learning so much",
    "so many admissions overnight",
    "what do you wear for the surgery shelf exam",
    "got lost in the hospital basement again",
    "my sub-I starts monday",
    "the nurses saved me today, seriously",
    "finished my last shift on medicine",
    "anyone doing an away rotation in boston?",
    "I presented at morning report and didn't die",
    "the attending actually remembered my name",
    "night float starts sunday",
    "I got to do a lumbar puncture with supervision",
    "clinic ran two hours late",
]
FEELINGS = [
    "honestly feeling really burnt out this week",
    "I miss my family so much",
    "anyone else feel like an impostor all the time",
    "I cried in the car after clinic today",
    "feeling so much better after talking to my therapist",
    "I'm anxious about match day",
    "does it get easier? asking for me",
    "I haven't slept properly in days",
    "grateful for this group honestly",
    "I feel so behind everyone else",
    "my partner is being really supportive during dedicated",
    "today was a good day for once",
    "I'm so tired of feeling tired",
    "I got rejected from the research position and I'm sad",
    "went for a run and feel human again",
    "sometimes I wonder if I chose the right career",
    "I'm proud of myself for asking for help",
    "it's been a rough month but I'm hanging in there",
    "feeling lonely since my roommate moved out",
    "the counseling center was really helpful",
    "I don't know how to tell my parents I failed",
    "my friend passed step and I'm happy for her but also scared",
    "I need a hug",
    "anyone else stress eating during exams",
    "meditating before lectures has been helping",
    "I feel like I'm drowning in work",
    "does anyone else feel numb after long shifts",
    "I'm scared I'm not cut out for this",
    "thank you all for the kind words yesterday",
    "I finally took a day off and it was great",
    "I yelled at my sister and feel awful",
    "the pressure is getting to me",
    "I'm okay, just overwhelmed",
    "therapy is expensive but worth it",
    "I want to quit sometimes",
    "I slept 10 hours and feel amazing",
    "my dog is the only reason I'm sane",
    "feeling hopeful about interviews",
    "I keep comparing myself to classmates",
    "it's ok to not be ok, right?",
    "had a really good talk with my advisor today",
    "not sure if I should take a gap year for research",
    "I'm nervous about my first presentation at grand rounds",
    "I think I'm finally getting the hang of this",
    "I miss having weekends",
    "my mentor told me it's normal to feel lost in third year",
    "I've been journaling and it helps a bit",
    "feeling guilty for taking a night off",
]
SOCIAL = [
    "haha same",
    "lol yes",
    "good luck everyone!",
    "congrats!!! 🎉",
    "omg that's amazing",
    "who's going to the party saturday",
    "coffee run, anyone want anything?",
    "happy birthday Sam!",
    "this meme is too real 😂",
    "see you all tomorrow",
    "thanks!",
    "ok",
    "same here",
    "100% agree",
    "where are we meeting?",
    "I'll bring snacks",
    "that's so funny",
    "wait what",
    "yes please",
    "night everyone",
    "anyone watching the game tonight",
    "pizza in the student lounge",
    "can't wait for spring break",
    "who else is going home for thanksgiving",
    "this weather is awful",
    "I just adopted a cat!!",
    "the new coffee place is great",
    "lmaooo",
    "you're all the best",
    "have a great weekend",
    "does anyone have a spare white coat I can borrow?",
    "the vending machine on 4 finally got fixed",
    "who's running the half marathon next month",
    "brb grabbing lunch",
    "ok that mnemonic is genius",
    "study playlist recommendations?",
    "anyone selling their old step 1 books",
    "the library is freezing today",
    "I can't believe it's already october",
    "good morning everyone ☀️",
    "sending good vibes to everyone with exams this week",
    "anyone else's parking permit not working",
]
IDIOMS_AND_CLINICAL = [
    "This exam is killing me",
    "I'd rather die than do another OSCE",
    "kill me now, 6am rounds again",
    "dying to know my match results",
    "Acetaminophen overdose: NAC within 8 hours, right?",
    "How do I ask a patient about suicidal ideation without leading them?",
    "Clavulanic acid is a suicide inhibitor, high yield?",
    "Lethal triad in trauma: hypothermia, acidosis, coagulopathy",
    "I killed that presentation",
    "dead tired after nights",
    "my phone is dying, anyone have a charger",
    "Memorising SAD PERSONS for the psych shelf",
]
MARKUP_AND_LINKS = [
    "check this out <b>really</b> useful https://example.org/renal-notes",
    "<script>alert('hi')</script> lol",
    "a < b & c for the acid-base question",
    "here's the link: https://www.youtube.com/watch?v=abc123 (great lecture)",
    '<a href="javascript:alert(1)">click me</a>',
    "notes are at https://drive.example.com/folder/xyz, enjoy!",
    "K+ &lt; 3.5 means hypokalemia &amp; check Mg",
    "<i>finally</i> done with the shelf",
]
CRISIS = [
    "I don't want to be here anymore",
    "honestly thinking about kms tonight",
    "everyone would be better off without me",
    "I've been saving up my pills",
    "i wnt 2 dye",
    "My friend posted about wanting to end it, what should I do?",
]
ABUSE_AND_PRIVACY = [
    "you're pathetic",
    "kys",
    "call me on 555-123-4567",
    "my attending Dr. Jane Smith was so rude today",
    "email me at someone@example.com",
    "spam spam spam spam spam spam spam spam spam spam spam spam spam spam spam spam spam spam spam spam",
]

MESSAGES = (
    STUDYING + ROTATIONS + FEELINGS + SOCIAL + IDIOMS_AND_CLINICAL + MARKUP_AND_LINKS + CRISIS + ABUSE_AND_PRIVACY
)
ROOMS = ("general", "study-hall", "wellbeing", "anonymous-support")


def build_workload(with_context: bool) -> list[tuple[str, ReviewContext]]:
    """Return (text, context) pairs: each author's previous two messages are their recent messages."""
    workload = []
    for index, text in enumerate(MESSAGES):
        room = ROOMS[index % len(ROOMS)]
        recent = tuple(MESSAGES[max(0, index - 2) : index]) if with_context else ()
        context = ReviewContext(room_slug=room, author_anonymous=room == "anonymous-support", recent_messages=recent)
        workload.append((text, context))
    return workload


def run(rounds: int, with_context: bool) -> dict[str, float | int | bool]:
    """Review the workload ``rounds`` times and return throughput and latency figures."""
    workload = build_workload(with_context)
    rules = compile_rules(DEFAULT_RULES)
    for text, context in workload:  # warm up caches and compiled patterns
        review(text, context, rules)
    timings: list[int] = []
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()  # measure the pipeline, not collector pauses triggered by the timing list
    try:
        started = clock()
        for _ in range(rounds):
            # Real messages are new: forget normalised texts so each current message is normalised
            # afresh, while recent messages hit the memo as they do in the server.
            pipeline._normalize_memo.cache_clear()
            crisis.model_text.cache_clear()
            for text, context in workload:
                before = clock()
                review(text, context, rules)
                timings.append(clock() - before)
        elapsed = clock() - started
    finally:
        gc.enable()
    timings.sort()
    count = len(timings)
    return {
        "messages": count,
        "distinct_messages": len(workload),
        "with_context": with_context,
        "seconds": round(elapsed / 1e9, 3),
        "messages_per_second": round(count / (elapsed / 1e9)),
        "p50_us": round(timings[count // 2] / 1000, 1),
        "p99_us": round(timings[int(count * 0.99)] / 1000, 1),
        "mean_us": round(statistics.fmean(timings) / 1000, 1),
    }


def run_hostile(rounds: int) -> dict[str, float]:
    """Return the slowest of ``rounds`` reviews of each hostile input, in milliseconds, keyed by its start."""
    rules = compile_rules(DEFAULT_RULES)
    slowest = {}
    for text in HOSTILE:
        context = ReviewContext(room_slug="general", author_anonymous=True, recent_messages=(text,))
        worst = 0
        for _ in range(rounds):
            pipeline._normalize_memo.cache_clear()
            crisis.model_text.cache_clear()
            before = time.perf_counter_ns()
            review(text, context, rules)
            worst = max(worst, time.perf_counter_ns() - before)
        slowest[f"{text[:8]!r} x{len(text)}"] = round(worst / 1e6, 2)
    return slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="passes over the message mix (default 50)")
    parser.add_argument("--no-context", action="store_true", help="review without the author's recent messages")
    parser.add_argument("--hostile", action="store_true", help="time inputs shaped to make regexes backtrack")
    args = parser.parse_args()
    if args.hostile:
        slowest = run_hostile(args.rounds)
        for name, milliseconds in slowest.items():
            print(f"{name}: slowest review {milliseconds} ms")
        print(json.dumps(slowest))
        return
    result = run(args.rounds, with_context=not args.no_context)
    print(f"reviewed {result['messages']} messages ({result['distinct_messages']} distinct) in {result['seconds']} s")
    print(f"throughput: {result['messages_per_second']} messages/second on one core")
    print(f"latency: p50 {result['p50_us']} us, p99 {result['p99_us']} us, mean {result['mean_us']} us")
    verdict = "meets" if result["messages_per_second"] >= TARGET_MESSAGES_PER_SECOND else "MISSES"
    print(f"{verdict} the target of {TARGET_MESSAGES_PER_SECOND} messages/second")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
