"""Content hashes of validated rows and stored events: what tells a re-send from a conflict.

:func:`content_hash_sql` covers everything a row says, correction fields included (a re-sent
row with the same key is a duplicate only if this matches); :func:`record_hash_sql` covers what
a record says about its subject, not how it was sent (a record deleted after a dispute is
recognised when it comes back under a new event_id).
"""

from __future__ import annotations

from xinyong.catalog import Catalogue


def content_hash_sql(catalogue: Catalogue, alias: str = "") -> str:
    """md5 over a row's normalised content: tells an identical re-send from a conflict."""
    p = f"{alias}." if alias else ""
    parts = [
        f"{p}kind", f"{p}subject_ref", f"{p}etype", f"strftime({p}ts, '%Y-%m-%dT%H:%M:%S.%f')",
        f"COALESCE(CAST({p}amt AS VARCHAR), '')",
        *(f"COALESCE(CAST({p}{a} AS VARCHAR), '')" for a in catalogue.attributes),
        f"COALESCE({p}target_event_id, '')", f"{p}raw_type",
    ]
    return f"md5(concat_ws('|', {', '.join(parts)}))"


def record_hash_sql(catalogue: Catalogue, alias: str = "") -> str:
    """md5 over what a record says, not how it was sent (no event_id, no correction fields).

    Tells a record a furnisher deleted after a dispute when it comes back under a new id.
    """
    p = f"{alias}." if alias else ""
    parts = [
        f"{p}kind", f"{p}subject_ref", f"{p}etype", f"strftime({p}ts, '%Y-%m-%dT%H:%M:%S.%f')",
        f"COALESCE(CAST({p}amt AS VARCHAR), '')",
        *(f"COALESCE(CAST({p}{a} AS VARCHAR), '')" for a in catalogue.attributes),
    ]
    return f"md5(concat_ws('|', {', '.join(parts)}))"


def stored_record_sql(catalogue: Catalogue) -> str:
    """A stored event's columns under the names a validated row has (for :func:`record_hash_sql`)."""
    attrs = ", ".join(f"e.{a}" for a in catalogue.attributes)
    return f"""SELECT e.event_seq, CAST(sb.kind AS VARCHAR) AS kind, sb.subject_ref,
                 CAST(e.event_type AS VARCHAR) AS etype, e.occurred_at AS ts, e.amount AS amt,
                 {attrs}
               FROM events AS e JOIN subjects AS sb USING (subject_key)"""


def stored_content_sql(catalogue: Catalogue) -> str:
    """Stored events and corrections whose keys the batch reuses (``taken``), with content hash.

    An event's hash is recomputed from its stored columns with the same normalisation as a new
    row's; a correction's was recorded when it was stored.
    """
    attrs = ", ".join(f"e.{a}" for a in catalogue.attributes)
    return f"""
          SELECT fid, event_id, false AS is_correction,
                 {content_hash_sql(catalogue)} AS content_hash
          FROM (
            SELECT e.furnisher_id AS fid, e.event_id, CAST(sb.kind AS VARCHAR) AS kind,
                   sb.subject_ref, CAST(e.event_type AS VARCHAR) AS etype, e.occurred_at AS ts,
                   e.amount AS amt, {attrs},
                   c.target_event_id,
                   COALESCE(c.kind, CAST(e.event_type AS VARCHAR)) AS raw_type
            FROM events AS e JOIN subjects AS sb USING (subject_key)
            LEFT JOIN event_corrections AS c
              ON c.furnisher_id = e.furnisher_id AND c.event_id = e.event_id
            WHERE (e.furnisher_id, e.event_id) IN (
              SELECT (fid, event_id) FROM taken WHERE NOT is_correction)
          )
          UNION ALL
          SELECT furnisher_id, event_id, true, content_hash FROM event_corrections
          WHERE (furnisher_id, event_id) IN (SELECT (fid, event_id) FROM taken WHERE is_correction)"""
