"""A synthetic population of persons and organisations, with their event history and outcome.

Every subject gets a latent trustworthiness ``z ~ N(0, 1)``. Each event family (bills, loans,
contracts, deposits, courts, inquiries, verifications, purchases, tax, annual reports,
suppliers, relationships) draws per-subject Poisson counts and outcome probabilities from ``z``:
low ``z`` pays late and by more days, defaults, breaches, forfeits and gets judgments more
often; high ``z`` verifies more and earns more. The outcome ``defaulted_12m`` (a serious default
in the twelve months *after* ``as_of``) is drawn from ``z`` alone and kept out of the events, so
a score computed from the events can be checked against it.

The generator is vectorised: per-subject counts become event rows with ``np.repeat``, string
columns stay integer codes until the end, where Arrow ``take`` turns them into strings. Each
family draws from its own random stream, so one seed always gives the same tables.

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
_YEAR = 12 * _MONTH
_KINDS = ("person", "organisation")
_FURNISHERS = (
    "utility-grid", "lender-a", "lender-b", "court-registry", "tax-office", "company-registry",
    "id-service", "commerce-platform", "trade-network", "regulator", "landlord-assoc",
)  # fmt: skip
_STREAMS = (
    "ids", "latent", "outcome", "bills", "loans", "contracts", "legal", "verifications",
    "purchases", "filings", "relationships",
)  # fmt: skip


@dataclass(frozen=True)
class Population:
    """Subjects (with their latent trustworthiness and outcome) and the events furnished on them.

    ``subjects`` has ``subject_kind``, ``subject_id``, ``latent`` and ``defaulted_12m``, persons
    first; ``events`` has the canonical furnisher columns, sorted by subject then time.
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
    for name, value, least in (("persons", persons, 0), ("orgs", orgs, 0), ("seed", seed, 0),
                               ("years", years, 1)):  # fmt: skip
        if value < least:
            raise ValueError(f"{name} must be an integer >= {least}; got {value}")
    as_of = DEFAULT_AS_OF if as_of is None else as_of
    start = _years_before(as_of, years)
    epoch = datetime.date(1970, 1, 1)
    start_s = (start - epoch).days * 86_400
    span = (as_of - start).days * 86_400
    rng = dict(zip(_STREAMS, (np.random.default_rng(s) for s in
                              np.random.SeedSequence(seed).spawn(len(_STREAMS))), strict=True))  # fmt: skip

    ids = pa.array(generate_prc_resident_ids(rng["ids"], persons) + generate_usccs(rng["ids"], orgs),
                   pa.string())  # fmt: skip
    people = np.arange(persons, dtype=np.int64)
    companies = np.arange(persons, persons + orgs, dtype=np.int64)
    z_people = rng["latent"].standard_normal(persons)
    # Each organisation has a legal representative, whose trustworthiness it partly shares.
    if persons:
        representative = rng["latent"].choice(persons, size=orgs, replace=orgs > persons)
        z_rep = z_people[representative]
    else:
        representative, z_rep = np.zeros(0, np.int64), np.zeros(orgs)
    z_orgs = 0.5 * z_rep + np.sqrt(0.75) * rng["latent"].standard_normal(orgs)
    z = np.concatenate([z_people, z_orgs])
    defaulted = rng["outcome"].random(z.size) < _sigmoid(-3.0 - 1.6 * z)

    log = _EventLog(default_catalogue(), span)
    for who, zz, kind in ((people, z_people, 0), (companies, z_orgs, 1)):
        _bills(log, rng["bills"], who, zz, years, organisation=bool(kind))
        _loans(log, rng["loans"], who, zz, years, organisation=bool(kind))
        _contracts(log, rng["contracts"], who, zz, years, organisation=bool(kind))
        _legal(log, rng["legal"], who, zz, years, organisation=bool(kind))
        _purchases(log, rng["purchases"], who, zz, years, organisation=bool(kind))
    _person_verifications(log, rng["verifications"], people, z_people)
    _organisation_verifications(log, rng["verifications"], companies, z_orgs)
    _filings(log, rng["filings"], companies, z_orgs, years)
    _relationships(log, rng["relationships"], people, z_people, companies, representative)

    subjects = pa.table({
        "subject_kind": _take(_KINDS, (np.arange(z.size) >= persons).astype(np.int8)),
        "subject_id": ids,
        "latent": pa.array(z, pa.float64()),
        "defaulted_12m": pa.array(defaulted, pa.bool_()),
    })  # fmt: skip
    return Population(subjects, log.table(ids, persons, start_s), as_of, seed)


# --- event families ------------------------------------------------------------------------------
# Each takes the subject indices of one kind and their latent z, and adds rows to the log.


def _bills(log: _EventLog, rng: np.random.Generator, who: NDArray[np.int64],
           z: NDArray[np.float64], years: int, *, organisation: bool) -> None:  # fmt: skip
    """Bills from the subjects a utility reports on, 1-2 a month over their reporting history."""
    coverage, rate, median = (0.9, (0.4, 1.0), 2500.0) if organisation else (0.3, (1.0, 2.0), 300.0)
    months = rng.uniform(min(6, 12 * years), 12 * years, z.size)
    counts = rng.poisson((rng.random(z.size) < coverage) * rng.uniform(*rate, z.size) * months)
    owner = _expand(counts)
    late = rng.random(owner.size) < _sigmoid(-2.2 - 1.3 * z[owner])
    dpd = np.zeros(owner.size, np.int32)
    dpd[late] = _days_past_due(rng, z[owner][late], 7.0)
    weights = ({"utility": 4, "telecom": 2.5, "rent": 2, "insurance": 1.5} if organisation else
               {"utility": 3.5, "telecom": 3, "rent": 1.5, "insurance": 1.2, "tuition": 0.8})  # fmt: skip
    log.add(log.either(late, "bill.paid_late", "bill.paid_on_time"), who[owner],
            _recent(rng, log.span, months[owner]), "utility-grid",
            amount=_sometimes(rng, rng.lognormal(np.log(median), 0.6, owner.size), 0.85),
            days_past_due=dpd, category=log.draw(rng, "category", weights, owner.size))  # fmt: skip
    # Autopay goes with the bill accounts, and careful payers enrol more often.
    enrolled = np.flatnonzero((counts > 0) & (rng.random(z.size) < _sigmoid(-0.6 + 0.8 * z)))
    log.add(log.code("payment.autopay_enrolled"), who[enrolled],
            _recent(rng, log.span, months[enrolled]), "commerce-platform",
            category=log.draw(rng, "category", {"utility": 2, "telecom": 2, "insurance": 1},
                              enrolled.size))  # fmt: skip


def _loans(log: _EventLog, rng: np.random.Generator, who: NDArray[np.int64],
           z: NDArray[np.float64], years: int, *, organisation: bool) -> None:  # fmt: skip
    """One loan for a share of subjects: monthly instalments, stopped by a default if any."""
    share, median = (0.5, 400_000.0) if organisation else (0.4, 40_000.0)
    holders = np.flatnonzero(rng.random(z.size) < share)
    zh = z[holders]
    term = rng.choice(np.array([12, 24, 36]), size=holders.size)
    # Loans may start before the window, so some are half repaid when it opens.
    begin = rng.uniform(-(term - 1) * _MONTH, log.span - _MONTH)
    principal = rng.lognormal(np.log(median) + 0.2 * zh, 0.6)
    lender = rng.integers(1, 3, holders.size).astype(np.int8)  # lender-a or lender-b
    low, high = np.maximum(begin, 0), np.minimum(begin + term * _MONTH, log.span)
    defaults = rng.random(holders.size) < _sigmoid(-4.2 - 1.8 * zh)
    default_at = np.where(defaults, low + rng.random(holders.size) * (high - low), np.inf)

    owner = _expand(term)
    at = begin[owner] + (_ranks(term) + 1) * _MONTH
    keep = (at >= 0) & (at < log.span) & (at < default_at[owner])
    owner, at = owner[keep], at[keep]
    late = rng.random(owner.size) < _sigmoid(-2.6 - 1.4 * zh[owner])
    dpd = np.zeros(owner.size, np.int32)
    dpd[late] = _days_past_due(rng, zh[owner][late], 10.0)
    log.add(log.either(late, "loan.repaid_late", "loan.repaid_on_time"), holders[owner].choose(who)
            if False else who[holders[owner]], at.astype(np.int64), lender[owner],
            amount=_sometimes(rng, np.round(1.06 * principal / term, 2)[owner], 0.9),
            days_past_due=dpd)  # fmt: skip
    d = np.flatnonzero(defaults)
    repaid = (default_at[d] - begin[d]) / (term[d] * _MONTH)
    log.add(log.code("loan.defaulted"), who[holders[d]], default_at[d].astype(np.int64), lender[d],
            amount=np.round(principal[d] * (1 - 0.9 * repaid), 2))
    # The lender looked at the file when the loan was applied for.
    applied = np.flatnonzero(begin >= 0)
    log.add(log.code("inquiry.hard"), who[holders[applied]],
            begin[applied].astype(np.int64), lender[applied])
    per_year = 0.5 if organisation else 0.7
    counts = rng.poisson(per_year * years * np.exp(-0.45 * z))
    owner = _expand(counts)
    log.add(log.code("inquiry.hard"), who[owner], _anytime(rng, log.span, owner.size),
            rng.integers(1, 3, owner.size).astype(np.int8))
