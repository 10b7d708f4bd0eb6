"""The status vocabularies, and the one table that says what each status means.

Facts and predictions are judged in different words, so each kind has its own
vocabulary. Both share the starting status, ``unreviewed``. Everything else that
shows or interprets a status (labels, the methodology page, ClaimReview ratings,
"has a verdict") reads ``STATUS_TABLE`` rather than repeating it.
"""

from dataclasses import dataclass

from django.db import models


class Kind(models.TextChoices):
    FACT = "fact", "Fact"
    PREDICTION = "prediction", "Prediction"


class FactStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    IN_REVIEW = "in_review", "In review"
    ACCURATE = "accurate", "Accurate"
    MOSTLY_ACCURATE = "mostly_accurate", "Mostly accurate"
    MISLEADING = "misleading", "Misleading"
    INACCURATE = "inaccurate", "Inaccurate"
    UNVERIFIABLE = "unverifiable", "Unverifiable"


class PredictionStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    PENDING = "pending", "Pending"
    ON_TRACK = "on_track", "On track"
    OFF_TRACK = "off_track", "Off track"
    CAME_TRUE = "came_true", "Came true"
    PARTLY_CAME_TRUE = "partly_came_true", "Partly came true"
    DID_NOT_COME_TRUE = "did_not_come_true", "Did not come true"
    CONDITION_NOT_MET = "condition_not_met", "Condition not met"
    UNRESOLVABLE = "unresolvable", "Unresolvable"


UNREVIEWED = "unreviewed"


class Certainty(models.TextChoices):
    """How sure a speaker said they were of a prediction, in their own word:
    a prediction is judged as worded, and a "might" that does not happen is not
    a failed "will"."""

    WILL = "will", "will (certain)"
    EXPECTS = "expects", "expects (confident)"
    LIKELY = "likely", "likely (probable)"
    MAY = "may", "may (possible)"
    MIGHT = "might", "might (possible)"
    COULD = "could", "could (possible)"


class Outcome(models.TextChoices):
    """What became of a prediction, in the order of a speaker's track record.
    A final status has one of the first four; the open statuses are all still
    pending, and the record counts them by status (``record_rows``)."""

    CAME_TRUE = "came_true", "Came true"
    PARTLY_CAME_TRUE = "partly_came_true", "Partly came true"
    DID_NOT_COME_TRUE = "did_not_come_true", "Did not come true"
    VOID = "void", "Void (condition not met, or unresolvable)"
    PENDING = "pending", "Pending"


class Evidence(models.TextChoices):
    """What the desk must have on file before a final status is published."""

    VERDICT = "verdict", "a source other than the article that supports or refutes the claim"
    SEARCH = "search", "at least one source, and an account of what was searched"
    CONDITION = "condition", "a source other than the article showing the condition did not happen"


@dataclass(frozen=True)
class StatusInfo:
    kind: str
    value: str
    label: str
    description: str
    is_final: bool
    # schema.org ClaimReview rating on Google's suggested 1 (false) to 5 (true) scale,
    # or None where the status is not a judgement of truth.
    rating: int | None = None
    outcome: Outcome | None = None  # predictions only
    evidence: Evidence | None = None  # final statuses only

    @property
    def tone(self):
        """The colour family a page draws this status in (always beside its label)."""
        if self.rating is not None:
            return {5: "true", 4: "mostly-true", 3: "mixed", 2: "mostly-false", 1: "false"}[
                self.rating
            ]
        if self.is_final:
            return "no-verdict"
        return {"unreviewed": "unreviewed", "on_track": "on-track", "off_track": "off-track"}.get(
            self.value, "in-progress"
        )

    @property
    def has_verdict(self):
        return self.is_final and self.rating is not None


def _info(kind, choice, description, *, is_final=False, rating=None, outcome=None, evidence=None):
    if rating is not None:
        evidence = Evidence.VERDICT
    return StatusInfo(
        kind, choice.value, choice.label, description, is_final, rating, outcome, evidence
    )


STATUS_TABLE = {
    (info.kind, info.value): info
    for info in [
        _info(
            Kind.FACT,
            FactStatus.UNREVIEWED,
            "Recorded from the article; nobody has checked it yet.",
        ),
        _info(Kind.FACT, FactStatus.IN_REVIEW, "A reviewer is gathering evidence."),
        _info(
            Kind.FACT,
            FactStatus.ACCURATE,
            "The evidence confirms the claim as stated.",
            is_final=True,
            rating=5,
        ),
        _info(
            Kind.FACT,
            FactStatus.MOSTLY_ACCURATE,
            "The claim is right in substance but needs a clarification or has a minor error.",
            is_final=True,
            rating=4,
        ),
        _info(
            Kind.FACT,
            FactStatus.MISLEADING,
            "The claim contains some truth but leaves a false impression.",
            is_final=True,
            rating=2,
        ),
        _info(
            Kind.FACT,
            FactStatus.INACCURATE,
            "The evidence contradicts the claim.",
            is_final=True,
            rating=1,
        ),
        _info(
            Kind.FACT,
            FactStatus.UNVERIFIABLE,
            "No reliable evidence exists, or could be found, to confirm or refute the claim.",
            is_final=True,
            evidence=Evidence.SEARCH,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.UNREVIEWED,
            "Recorded from the article; nobody has assessed it yet.",
            outcome=Outcome.PENDING,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.PENDING,
            "Assessed, with resolution criteria; waiting for events.",
            outcome=Outcome.PENDING,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.ON_TRACK,
            "Not yet resolved, but events so far point towards it coming true.",
            outcome=Outcome.PENDING,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.OFF_TRACK,
            "Not yet resolved, but events so far point away from it coming true.",
            outcome=Outcome.PENDING,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.CAME_TRUE,
            "What was predicted happened, by the resolve-by date.",
            is_final=True,
            rating=5,
            outcome=Outcome.CAME_TRUE,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.PARTLY_CAME_TRUE,
            "Part of what was predicted happened, or it happened later or in a lesser form.",
            is_final=True,
            rating=3,
            outcome=Outcome.PARTLY_CAME_TRUE,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.DID_NOT_COME_TRUE,
            "What was predicted did not happen by the resolve-by date.",
            is_final=True,
            rating=1,
            outcome=Outcome.DID_NOT_COME_TRUE,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.CONDITION_NOT_MET,
            "The prediction was conditional and its condition did not happen, "
            "so it can be neither right nor wrong.",
            is_final=True,
            outcome=Outcome.VOID,
            evidence=Evidence.CONDITION,
        ),
        _info(
            Kind.PREDICTION,
            PredictionStatus.UNRESOLVABLE,
            "The outcome cannot be established from reliable evidence.",
            is_final=True,
            outcome=Outcome.VOID,
            evidence=Evidence.SEARCH,
        ),
    ]
}

VOCABULARIES = {Kind.FACT: FactStatus, Kind.PREDICTION: PredictionStatus}

# One column holds both vocabularies; the shared "unreviewed" appears once.
ALL_STATUS_CHOICES = list(dict(FactStatus.choices + PredictionStatus.choices).items())


def status_info(kind, status):
    return STATUS_TABLE[(kind, status)]


def statuses_for(kind):
    """The statuses a claim of this kind may hold, in vocabulary order."""
    return [STATUS_TABLE[(kind, choice.value)] for choice in VOCABULARIES[kind]]


@dataclass(frozen=True)
class RecordRow:
    """A row of a speaker's track record: one status, or for predictions the
    outcome that several final statuses share. A label and a tone, as a status
    has, so it is drawn as the badges of the claims it counts."""

    label: str
    tone: str
    statuses: tuple[str, ...]
    is_final: bool


def record_rows(kind):
    """The rows of a speaker's track record for claims of ``kind``: the final
    ones first (a fact's verdicts; a prediction's outcomes, in Outcome's order,
    each drawn in the tone its statuses share), then each open status on its
    own, as its badge reads."""
    infos = statuses_for(kind)
    rows = []
    if kind == Kind.PREDICTION:
        for outcome in Outcome:
            group = [info for info in infos if info.is_final and info.outcome == outcome]
            if group:
                statuses = tuple(info.value for info in group)
                rows.append(RecordRow(outcome.label, group[0].tone, statuses, True))
    else:
        rows += [RecordRow(i.label, i.tone, (i.value,), True) for i in infos if i.is_final]
    rows += [RecordRow(i.label, i.tone, (i.value,), False) for i in infos if not i.is_final]
    return rows
