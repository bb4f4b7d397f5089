"""A synthetic population of persons and organisations, with their event history and outcome.

Every subject gets a latent trustworthiness ``z ~ N(0, 1)``. Each event family (bills, loans,
contracts, deposits, courts, inquiries, verifications, purchases, tax, annual reports,
suppliers, relationships) draws per-subject Poisson counts and outcome probabilities from ``z``:
low ``z`` pays late and by more days, defaults, breaches, forfeits and gets judgments more
often; high ``z`` verifies more and earns more. The outcome ``defaulted_12m`` (a serious default
in the twelve months *after* ``as_of``) is drawn from ``z`` alone and kept out of the events, so
a score computed from the events can be checked against it.

The generator is vectorised: per-subject counts become event rows with ``np.repeat``, and the
string columns stay integer codes until the end, where Arrow ``take`` turns them into strings.
Each family draws from its own random stream, so a seed always gives the same tables.

>>> population = generate_population(200, 20, seed=7)
>>> population.subjects.num_rows
220
>>> population.events.column_names[:4]
['event_id', 'furnisher', 'subject_kind', 'subject_id']
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from xinyong.catalog import Catalogue, default_catalogue
from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs

__all__ = ["DEFAULT_AS_OF", "Population", "generate_population"]

# Fixed rather than today, so that a seed always yields the same population.
DEFAULT_AS_OF = datetime.date(2026, 11, 1)

_MONTH = 2_629_746  # seconds in an average Gregorian month
_KINDS = ("person", "organisation")
_FURNISHERS = (
    "utility-grid", "lender-a", "lender-b", "court-registry", "tax-office", "company-registry",
    "id-service", "commerce-platform", "trade-network", "regulator", "landlord-assoc",
)  # fmt: skip
_STREAMS = (
    "ids", "latent", "outcome", "bills", "loans", "contracts", "legal", "verifications",
    "purchases", "filings", "relationships",
)  # fmt: skip

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Rng = np.random.Generator


@dataclass(frozen=True)
class Population:
    """Subjects (with their latent trustworthiness and outcome) and the events furnished on them.

    ``subjects`` has ``subject_kind``, ``subject_id``, ``latent`` and ``defaulted_12m``, persons
    first; ``events`` has the canonical furnisher columns, sorted by subject, then time.
    """

    subjects: pa.Table
    events: pa.Table
    as_of: datetime.date
    seed: int


def generate_population(
    persons: int, orgs: int, *, seed: int, years: int = 3, as_of: datetime.date | None = None
) -> Population:
    """Generate ``persons`` persons and ``orgs`` organisations with ``years`` of history.

    Events fall in ``[as_of - years, as_of)``; the same arguments always give equal tables.
    """
    for name, value, least in (
        ("persons", persons, 0), ("orgs", orgs, 0), ("seed", seed, 0), ("years", years, 1)
    ):  # fmt: skip
        if value < least:
            raise ValueError(f"{name} must be an integer >= {least}; got {value}")
    as_of = DEFAULT_AS_OF if as_of is None else as_of
    start = _years_before(as_of, years)
    span = (as_of - start).days * 86_400
    streams = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    rng = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, streams, strict=True)}

    person_ids = generate_prc_resident_ids(rng["ids"], persons)
    ids = pa.array(person_ids + generate_usccs(rng["ids"], orgs), pa.string())
    people = np.arange(persons, dtype=np.int64)
    companies = np.arange(persons, persons + orgs, dtype=np.int64)
    z_people = rng["latent"].standard_normal(persons)
    # Each organisation has a legal representative, whose trustworthiness it partly shares.
    if persons:
        representative = rng["latent"].choice(persons, size=orgs, replace=orgs > persons)
        own = rng["latent"].standard_normal(orgs)
        z_orgs = 0.5 * z_people[representative] + np.sqrt(0.75) * own
    else:
        representative, z_orgs = np.zeros(0, np.int64), rng["latent"].standard_normal(orgs)
    z = np.concatenate([z_people, z_orgs])
    defaulted = rng["outcome"].random(z.size) < _sigmoid(-3.0 - 1.6 * z)

    log = _EventLog(default_catalogue(), span)
    for who, zz, organisation in ((people, z_people, False), (companies, z_orgs, True)):
        _bills(log, rng["bills"], who, zz, years, organisation)
        _loans(log, rng["loans"], who, zz, years, organisation)
        _contracts(log, rng["contracts"], who, zz, years, organisation)
        _legal(log, rng["legal"], who, zz, years, organisation)
        _purchases(log, rng["purchases"], who, zz, years, organisation)
    _person_verifications(log, rng["verifications"], people, z_people)
    _organisation_verifications(log, rng["verifications"], companies, z_orgs)
    _filings(log, rng["filings"], companies, z_orgs, years)
    _relationships(log, rng["relationships"], people, z_people, companies, representative)

    subjects = pa.table(
        {
            "subject_kind": _take(_KINDS, (np.arange(z.size) >= persons).astype(np.int8)),
            "subject_id": ids,
            "latent": pa.array(z, pa.float64()),
            "defaulted_12m": pa.array(defaulted, pa.bool_()),
        }
    )
    start_s = (start - datetime.date(1970, 1, 1)).days * 86_400
    return Population(subjects, log.table(ids, persons, start_s), as_of, seed)


# --- event families: each adds the rows of one kind of subject (indices ``who``, latent ``z``) ---


def _bills(log: _EventLog, rng: Rng, who: Ints, z: Floats, years: int, org: bool) -> None:
    """Bills of the subjects a utility reports on, about 1-2 a month over their history."""
    coverage, rate, median = (0.9, (0.4, 1.0), 2500.0) if org else (0.3, (1.0, 2.0), 300.0)
    months = rng.uniform(min(6, 12 * years), 12 * years, z.size)
    counts = rng.poisson((rng.random(z.size) < coverage) * rng.uniform(*rate, z.size) * months)
    owner = _expand(counts)
    late = rng.random(owner.size) < _sigmoid(-2.2 - 1.3 * z[owner])
    weights = (
        {"utility": 4, "telecom": 2.5, "rent": 2, "insurance": 1.5}
        if org
        else {"utility": 3.5, "telecom": 3, "rent": 1.5, "insurance": 1.2, "tuition": 0.8}
    )
    log.add(
        log.either(late, "bill.paid_late", "bill.paid_on_time"),
        who[owner],
        _recent(rng, log.span, months[owner]),
        "utility-grid",
        amount=_sometimes(rng, rng.lognormal(np.log(median), 0.6, owner.size), 0.85),
        days_past_due=_days_past_due(rng, z[owner], late, 7.0),
        category=log.draw(rng, "category", weights, owner.size),
    )
    # Autopay goes with the bill accounts, and careful payers enrol more often.
    enrolled = np.flatnonzero((counts > 0) & (rng.random(z.size) < _sigmoid(-0.6 + 0.8 * z)))
    log.add(
        log.code("payment.autopay_enrolled"),
        who[enrolled],
        _recent(rng, log.span, months[enrolled]),
        "commerce-platform",
        category=log.draw(rng, "category", {"utility": 2, "telecom": 2, "insurance": 1},
                          enrolled.size),
    )  # fmt: skip


def _loans(log: _EventLog, rng: Rng, who: Ints, z: Floats, years: int, org: bool) -> None:
    """One loan for a share of subjects, repaid monthly until a default (if any); inquiries."""
    share, median = (0.5, 400_000.0) if org else (0.35, 40_000.0)
    holder = np.flatnonzero(rng.random(z.size) < share)
    zh = z[holder]
    term = rng.choice(np.array([12, 24, 36], np.int64), size=holder.size)
    # Loans may start before the window, so some are part repaid when it opens.
    begin = rng.uniform(-(term - 1) * _MONTH, log.span - _MONTH)
    principal = rng.lognormal(np.log(median) + 0.2 * zh, 0.6)
    lender = rng.integers(1, 3, holder.size).astype(np.int8)  # lender-a or lender-b
    low, high = np.maximum(begin, 0), np.minimum(begin + term * _MONTH, log.span)
    defaults = rng.random(holder.size) < _sigmoid(-4.2 - 1.8 * zh)
    default_at = np.where(defaults, low + rng.random(holder.size) * (high - low), np.inf)

    owner = _expand(term)
    at = begin[owner] + (_ranks(term) + 1) * _MONTH
    keep = (at >= 0) & (at < log.span) & (at < default_at[owner])
    owner, at = owner[keep], at[keep]
    late = rng.random(owner.size) < _sigmoid(-2.6 - 1.4 * zh[owner])
    log.add(
        log.either(late, "loan.repaid_late", "loan.repaid_on_time"),
        who[holder[owner]],
        at.astype(np.int64),
        lender[owner],
        amount=_sometimes(rng, np.round(1.06 * principal / term, 2)[owner], 0.9),
        days_past_due=_days_past_due(rng, zh[owner], late, 10.0),
    )
    gone = np.flatnonzero(defaults)
    repaid = (default_at[gone] - begin[gone]) / (term[gone] * _MONTH)
    log.add(
        log.code("loan.defaulted"),
        who[holder[gone]],
        default_at[gone].astype(np.int64),
        lender[gone],
        amount=np.round(principal[gone] * (1 - 0.9 * repaid), 2),
    )
    # The lender looked at the file when the loan was applied for; other applications too.
    applied = np.flatnonzero(begin >= 0)
    log.add(log.code("inquiry.hard"), who[holder[applied]], begin[applied].astype(np.int64),
            lender[applied])  # fmt: skip
    owner = _expand(rng.poisson((0.4 if org else 0.5) * years * np.exp(-0.5 * z)))
    log.add(log.code("inquiry.hard"), who[owner], _anytime(rng, log.span, owner.size),
            rng.integers(1, 3, owner.size).astype(np.int8))  # fmt: skip


def _contracts(log: _EventLog, rng: Rng, who: Ints, z: Floats, years: int, org: bool) -> None:
    """Leases and service contracts, fulfilled or breached, and deposits returned or kept."""
    per_year, median = (0.8, 200_000.0) if org else (0.35, 24_000.0)
    owner = _expand(rng.poisson(per_year * years, z.size))
    breached = rng.random(owner.size) < _sigmoid(-2.6 - 1.3 * z[owner])
    log.add(
        log.either(breached, "contract.breached", "contract.fulfilled"),
        who[owner],
        _anytime(rng, log.span, owner.size),
        "landlord-assoc",
        amount=_sometimes(rng, rng.lognormal(np.log(median), 0.7, owner.size), 0.6),
    )
    owner = _expand(rng.poisson((0.1 if org else 0.2) * years, z.size))
    kept = rng.random(owner.size) < _sigmoid(-2.2 - 1.2 * z[owner])
    deposit = rng.lognormal(np.log(20_000 if org else 2_000), 0.5, owner.size)
    log.add(
        log.either(kept, "deposit.forfeited", "deposit.returned"),
        who[owner],
        _anytime(rng, log.span, owner.size),
        "commerce-platform",
        amount=_sometimes(rng, deposit, 0.9),
    )


def _legal(log: _EventLog, rng: Rng, who: Ints, z: Floats, years: int, org: bool) -> None:
    """Court judgments (rare, and mostly for low z); regulatory penalties for organisations."""
    owner = _expand(rng.poisson((0.008 if org else 0.004) * years * np.exp(-1.4 * z)))
    award = rng.lognormal(np.log(150_000 if org else 20_000), 1.0, owner.size)
    log.add(
        log.code("court.judgment_against"),
        who[owner],
        _anytime(rng, log.span, owner.size),
        "court-registry",
        amount=_sometimes(rng, award, 0.8),
    )
    if org:
        owner = _expand(rng.poisson(0.008 * years * np.exp(-1.2 * z)))
        log.add(
            log.code("regulatory.penalty"),
            who[owner],
            _anytime(rng, log.span, owner.size),
            "regulator",
            amount=_sometimes(rng, rng.lognormal(np.log(50_000), 0.8, owner.size), 0.9),
        )


def _purchases(log: _EventLog, rng: Rng, who: Ints, z: Floats, years: int, org: bool) -> None:
    """Purchases on the commerce platform by the subjects who use it, a few a month."""
    coverage, rate, median = (0.6, (0.2, 0.5), 3_000.0) if org else (0.2, (0.8, 2.0), 150.0)
    months = rng.uniform(min(3, 12 * years), 12 * years, z.size)
    counts = rng.poisson((rng.random(z.size) < coverage) * rng.uniform(*rate, z.size) * months)
    owner = _expand(counts)
    weights = (
        {"business_supplies": 5, "electronics": 1.5, "transport": 1.5, "other": 2}
        if org
        else {"groceries": 3, "household": 2, "apparel": 1.5, "electronics": 1, "transport": 1.5,
              "other": 1}
    )  # fmt: skip
    amount = rng.lognormal(np.log(median) + 0.2 * z[owner], 0.8)
    log.add(
        log.code("purchase.completed"),
        who[owner],
        _recent(rng, log.span, months[owner]),
        "commerce-platform",
        amount=_sometimes(rng, np.round(amount, 2), 0.95),
        category=log.draw(rng, "category", weights, owner.size),
    )


def _person_verifications(log: _EventLog, rng: Rng, who: Ints, z: Floats) -> None:
    """Mostly one-off checks by the ID service; high z verifies more, and earns more."""
    for event_type, share, slope in (
        ("identity.verified", 0.9, 0.2),
        ("phone.verified", 0.85, 0.3),
        ("address.verified", 0.6, 0.3),
        ("employment.verified", 0.5, 0.5),
    ):
        owner = _one_off(rng, z, share, slope)
        log.add(log.code(event_type), who[owner], _anytime(rng, log.span, owner.size), "id-service")
    owner = _one_off(rng, z, 0.45, 0.4)
    income = rng.lognormal(np.log(6_500) + 0.35 * z[owner], 0.45)
    log.add(log.code("income.verified"), who[owner], _anytime(rng, log.span, owner.size),
            "id-service", amount=np.round(income, -1))  # fmt: skip
    _assets(log, rng, who, z, 0.2, 1.0)
    owner = _one_off(rng, z, 0.3, 0.3, repeat=0.0)
    level = np.clip(np.rint(1.6 + 0.5 * z[owner] + rng.standard_normal(owner.size)), 0, 4)
    levels = log.codes("education_level", ("secondary", "vocational", "bachelor", "master",
                                           "doctorate"))  # fmt: skip
    log.add(log.code("education.verified"), who[owner], _anytime(rng, log.span, owner.size),
            "id-service", education_level=levels[level.astype(np.int64)])  # fmt: skip


def _organisation_verifications(log: _EventLog, rng: Rng, who: Ints, z: Floats) -> None:
    """Registry identity, phone and address checks of organisations, and their assets."""
    for event_type, share, slope in (
        ("identity.verified", 0.97, 0.2),
        ("phone.verified", 0.8, 0.3),
        ("address.verified", 0.85, 0.4),
    ):
        owner = _one_off(rng, z, share, slope)
        log.add(log.code(event_type), who[owner], _anytime(rng, log.span, owner.size), "id-service")
    _assets(log, rng, who, z, 0.35, 10.0)


def _assets(log: _EventLog, rng: Rng, who: Ints, z: Floats, share: float, scale: float) -> None:
    owner = _one_off(rng, z, share, 0.5)
    medians = {"deposit": 50_000, "property": 1_500_000, "vehicle": 150_000, "securities": 80_000,
               "other": 20_000}  # fmt: skip
    pick = rng.choice(len(medians), owner.size, p=[0.4, 0.3, 0.2, 0.07, 0.03])
    median = np.array(list(medians.values()), np.float64)[pick] * scale
    value = rng.lognormal(np.log(median) + 0.3 * z[owner], 0.6)
    log.add(log.code("asset.verified"), who[owner], _anytime(rng, log.span, owner.size),
            "id-service", amount=np.round(value, -2),
            asset_class=log.codes("asset_class", tuple(medians))[pick])  # fmt: skip


def _filings(log: _EventLog, rng: Rng, who: Ints, z: Floats, years: int) -> None:
    """Quarterly tax, yearly annual reports, supplier invoices of organisations."""
    owner, at = _periodic(rng, z.size, 4 * years, log.span)
    arrears = rng.random(owner.size) < _sigmoid(-2.4 - 1.4 * z[owner])
    tax = rng.lognormal(np.log(60_000), 0.8, owner.size)
    amount = np.where(arrears, np.round(0.4 * tax, 2), _sometimes(rng, tax, 0.7))
    log.add(log.either(arrears, "tax.arrears", "tax.filed_on_time"), who[owner], at, "tax-office",
            amount=amount)  # fmt: skip
    owner, at = _periodic(rng, z.size, years, log.span)
    missing = rng.random(owner.size) < _sigmoid(-2.6 - 1.5 * z[owner])
    log.add(log.either(missing, "annual_report.missing", "annual_report.filed"), who[owner], at,
            "company-registry")  # fmt: skip
    owner = _expand(rng.poisson(6.0 * years * np.exp(0.1 * z)))
    late = rng.random(owner.size) < _sigmoid(-1.6 - 1.2 * z[owner])
    log.add(
        log.either(late, "supplier.paid_late", "supplier.paid_on_time"),
        who[owner],
        _anytime(rng, log.span, owner.size),
        "trade-network",
        amount=_sometimes(rng, rng.lognormal(np.log(30_000), 0.9, owner.size), 0.9),
        days_past_due=_days_past_due(rng, z[owner], late, 12.0),
    )


def _relationships(log: _EventLog, rng: Rng, people: Ints, z: Floats, companies: Ints,
                   representative: Ints) -> None:  # fmt: skip
    """Guarantors and co-borrowers among persons; legal representatives; trading partners."""
    for event_type, share, slope in (
        ("relationship.guarantor_of", 0.03, 0.5),
        ("relationship.co_borrower_with", 0.02, 0.0),
    ):
        if people.size < 2:
            break
        owner = np.flatnonzero(rng.random(z.size) < _sigmoid(_logit(share) + slope * z))
        other = (owner + rng.integers(1, people.size, owner.size)) % people.size
        amount = _sometimes(rng, rng.lognormal(np.log(50_000), 0.7, owner.size), 0.7)
        log.add(log.code(event_type), people[owner], _anytime(rng, log.span, owner.size),
                "lender-a", counterparty=people[other], amount=amount)  # fmt: skip
    log.add(log.code("relationship.legal_representative_of"), people[representative],
            _anytime(rng, log.span, representative.size), "company-registry",
            counterparty=companies[: representative.size])  # fmt: skip
    if companies.size >= 2:
        owner = _expand(rng.integers(0, 4, companies.size))
        other = (owner + rng.integers(1, companies.size, owner.size)) % companies.size
        log.add(log.code("relationship.counterparty_of"), companies[owner],
                _anytime(rng, log.span, owner.size), "trade-network", counterparty=companies[other],
                amount=np.round(rng.lognormal(np.log(500_000), 1.0, owner.size), -2))  # fmt: skip


# --- the log that gathers rows as codes and turns them into one Arrow table at the end ---------

_CODED = ("category", "asset_class", "education_level")


class _EventLog:
    """Event rows gathered family by family as parallel numpy arrays of integer codes.

    Strings stay codes into small vocabularies until :meth:`table`: building millions of
    Python strings would dominate the run time.
    """

    def __init__(self, catalogue: Catalogue, span: int) -> None:
        self.span = span
        self._types = tuple(catalogue.types)
        self._values = {name: catalogue.attributes[name].values for name in _CODED}
        self._parts: list[dict[str, NDArray[Any]]] = []

    def code(self, event_type: str) -> int:
        return self._types.index(event_type)

    def either(self, flag: NDArray[np.bool_], if_true: str, if_false: str) -> NDArray[np.int16]:
        return np.where(flag, self.code(if_true), self.code(if_false)).astype(np.int16)

    def codes(self, attribute: str, values: tuple[str, ...]) -> NDArray[np.int8]:
        return np.array([self._values[attribute].index(v) for v in values], np.int8)

    def draw(self, rng: Rng, attribute: str, weights: dict[str, float], n: int) -> NDArray[np.int8]:
        p = np.array(list(weights.values()), np.float64)
        return self.codes(attribute, tuple(weights))[rng.choice(p.size, n, p=p / p.sum())]

    def add(
        self,
        event_type: int | NDArray[np.int16],
        subject: Ints,
        at: Ints,
        furnisher: str | NDArray[np.int8],
        *,
        amount: Floats | None = None,
        days_past_due: NDArray[np.int32] | None = None,
        category: NDArray[np.int8] | None = None,
        asset_class: NDArray[np.int8] | None = None,
        education_level: NDArray[np.int8] | None = None,
        counterparty: Ints | None = None,
    ) -> None:
        n = subject.size
        if isinstance(furnisher, str):
            furnisher = np.full(n, _FURNISHERS.index(furnisher), np.int8)

        def column(values: NDArray[Any] | int | None, dtype: type, missing: float) -> NDArray[Any]:
            if values is None:
                return np.full(n, missing, dtype)
            return np.broadcast_to(np.asarray(values, dtype), n)

        self._parts.append(
            {
                "subject": subject,
                # Clipping guards the window against float rounding at its edges.
                "at": np.clip(at, 0, self.span - 1),
                "event_type": column(event_type, np.int16, -1),
                "furnisher": furnisher,
                "amount": column(amount, np.float64, np.nan),
                "days_past_due": column(days_past_due, np.int32, 0),
                "category": column(category, np.int8, -1),
                "asset_class": column(asset_class, np.int8, -1),
                "education_level": column(education_level, np.int8, -1),
                "counterparty": column(counterparty, np.int64, -1),
            }
        )

    def table(self, ids: pa.Array, persons: int, start_s: int) -> pa.Table:
        keys = self._parts[0].keys()
        rows = {key: np.concatenate([part[key] for part in self._parts]) for key in keys}
        order = np.argsort(rows["subject"] * self.span + rows["at"], kind="stable")
        rows = {key: values[order] for key, values in rows.items()}
        amount, dpd, other = rows["amount"], rows["days_past_due"], rows["counterparty"]
        microseconds = (rows["at"] + start_s) * 1_000_000
        return pa.table(
            {
                "event_id": _event_ids(order.size),
                "furnisher": _take(_FURNISHERS, rows["furnisher"]),
                "subject_kind": _take(_KINDS, (rows["subject"] >= persons).astype(np.int8)),
                "subject_id": ids.take(pa.array(rows["subject"])),
                "event_type": _take(self._types, rows["event_type"]),
                "occurred_at": pa.array(microseconds.astype("datetime64[us]"), pa.timestamp("us")),
                "amount": pa.array(amount, pa.float64(), mask=np.isnan(amount)),
                "days_past_due": pa.array(dpd, pa.int32(), mask=dpd == 0),
                **{name: _take(self._values[name], rows[name]) for name in _CODED},
                "counterparty_kind": _take(_KINDS, np.where(other < 0, -1, other >= persons)),
                "counterparty_id": ids.take(pa.array(other, mask=other < 0)),
            }
        )


# --- small vectorised building blocks --------------------------------------------------------


def _sigmoid(x: Floats | float) -> Floats:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, np.float64))), np.float64)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expand(counts: Ints) -> Ints:
    """The owner of each row when owner ``i`` has ``counts[i]`` rows: ``[2, 0, 1] -> [0, 0, 2]``."""
    return np.repeat(np.arange(counts.size, dtype=np.int64), counts)


def _ranks(counts: Ints) -> Ints:
    """Each row's 0-based position among its owner's rows: ``[2, 0, 1] -> [0, 1, 0]``."""
    firsts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(firsts, counts)


def _one_off(rng: Rng, z: Floats, share: float, slope: float, repeat: float = 0.15) -> Ints:
    """Owners of a check done for about ``share`` of subjects, occasionally repeated."""
    done = rng.random(z.size) < _sigmoid(_logit(share) + slope * z)
    return _expand(done * (1 + rng.poisson(repeat, z.size)))


def _periodic(rng: Rng, subjects: int, count: int, span: int) -> tuple[Ints, Ints]:
    """Owners and times of ``count`` evenly spaced events per subject, at a random phase."""
    owner = np.repeat(np.arange(subjects, dtype=np.int64), count)
    steps = np.tile(np.arange(count, dtype=np.float64), subjects) + rng.random(subjects)[owner]
    return owner, (span - steps * (span / count)).astype(np.int64)


def _anytime(rng: Rng, span: int, n: int) -> Ints:
    return rng.integers(0, span, n, dtype=np.int64)


def _recent(rng: Rng, span: int, months: Floats) -> Ints:
    """Times within the last ``months`` months (per row) of the window."""
    return (span - rng.random(months.size) * months * _MONTH).astype(np.int64)


def _sometimes(rng: Rng, values: Floats, share: float) -> Floats:
    """``values`` with about ``1 - share`` of them missing (NaN), for optional amounts."""
    return np.where(rng.random(values.size) < share, values, np.nan)


def _days_past_due(
    rng: Rng, z: Floats, late: NDArray[np.bool_], median: float
) -> NDArray[np.int32]:
    """Days overdue for the late rows (0 elsewhere): lognormal, longer as z falls."""
    days = np.zeros(z.size, np.int32)
    scale = np.log(median) - 0.6 * z[late]
    days[late] = np.clip(np.ceil(np.exp(scale + 0.9 * rng.standard_normal(scale.size))), 1, 3650)
    return days


def _take(vocabulary: tuple[str, ...], codes: NDArray[Any]) -> pa.Array:
    """Strings of ``vocabulary`` by code, null where the code is negative."""
    return pa.array(vocabulary, pa.string()).take(pa.array(codes, mask=codes < 0))


def _event_ids(n: int) -> pa.Array:
    """``syn-00000000``, ``syn-00000001`` … built as one Arrow buffer, not as Python strings."""
    width = 4 + max(8, len(str(n - 1)))
    # Character positions are rows while digits are computed, so every write is contiguous.
    chars = np.empty((width, n), np.uint8)
    chars[:4] = np.frombuffer(b"syn-", np.uint8)[:, None]
    rest = np.arange(n, dtype=np.uint64)
    for position in range(width - 1, 3, -1):
        rest, chars[position] = np.divmod(rest, 10)
    chars[4:] += ord("0")
    offsets = np.arange(n + 1, dtype=np.int32) * width
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars.T))]
    return pa.Array.from_buffers(pa.string(), n, buffers)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)
