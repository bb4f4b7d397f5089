WITH counted AS (
  SELECT
    e.subject_key,
    e.event_type,
    e.amount,
    DATE_DIFF('DAY', CAST(e.occurred_at AS DATE), CAST('2026-11-01' AS DATE)) AS age_days
  FROM events AS e
  WHERE
    CAST(e.occurred_at AS DATE) <= CAST('2026-11-01' AS DATE)
    AND e.event_type IN (
      'bill.paid_late',
      'loan.repaid_late',
      'loan.defaulted',
      'contract.breached',
      'court.judgment_against',
      'tax.arrears',
      'regulatory.penalty',
      'annual_report.missing',
      'supplier.paid_late',
      'deposit.forfeited',
      'bill.paid_on_time',
      'loan.repaid_on_time',
      'contract.fulfilled',
      'deposit.returned',
      'identity.verified',
      'address.verified',
      'tax.filed_on_time',
      'annual_report.filed',
      'supplier.paid_on_time'
    )
    AND DATE_DIFF('DAY', CAST(e.occurred_at AS DATE), CAST('2026-11-01' AS DATE)) <= CASE e.event_type
      WHEN 'bill.paid_late'
      THEN 730
      WHEN 'loan.repaid_late'
      THEN 1095
      WHEN 'loan.defaulted'
      THEN 1825
      WHEN 'contract.breached'
      THEN 1825
      WHEN 'court.judgment_against'
      THEN 1825
      WHEN 'tax.arrears'
      THEN 1825
      WHEN 'regulatory.penalty'
      THEN 1825
      WHEN 'annual_report.missing'
      THEN 1095
      WHEN 'supplier.paid_late'
      THEN 730
      WHEN 'deposit.forfeited'
      THEN 1095
      WHEN 'bill.paid_on_time'
      THEN 730
      WHEN 'loan.repaid_on_time'
      THEN 730
      WHEN 'contract.fulfilled'
      THEN 1095
      WHEN 'deposit.returned'
      THEN 1095
      WHEN 'identity.verified'
      THEN 3650
      WHEN 'address.verified'
      THEN 3650
      WHEN 'tax.filed_on_time'
      THEN 730
      WHEN 'annual_report.filed'
      THEN 1095
      WHEN 'supplier.paid_on_time'
      THEN 730
    END
), rule_sums AS (
  SELECT
    subject_key,
    COUNT(*) AS n_events,
    MAX(age_days) AS history_days,
    SUM(CAST(-20 AS DOUBLE)) FILTER(WHERE
      event_type = 'bill.paid_late') AS r_late_fees,
    SUM(CAST(-20 AS DOUBLE)) FILTER(WHERE
      event_type = 'loan.repaid_late') AS r_loan_late,
    SUM(CAST(-50 AS DOUBLE)) FILTER(WHERE
      event_type = 'loan.defaulted') AS r_loan_default,
    SUM(CAST(-20 AS DOUBLE)) FILTER(WHERE
      event_type = 'contract.breached') AS r_contract_breach,
    SUM(CAST(-30 AS DOUBLE)) FILTER(WHERE
      event_type = 'court.judgment_against') AS r_lost_debt_suit,
    SUM(CAST(-30 AS DOUBLE)) FILTER(WHERE
      event_type = 'tax.arrears') AS r_tax_arrears,
    SUM(CAST(-20 AS DOUBLE)) FILTER(WHERE
      event_type = 'regulatory.penalty') AS r_regulatory_penalty,
    SUM(CAST(-10 AS DOUBLE)) FILTER(WHERE
      event_type = 'annual_report.missing') AS r_annual_report_missing,
    SUM(CAST(-5 AS DOUBLE)) FILTER(WHERE
      event_type = 'supplier.paid_late') AS r_suppliers_late,
    SUM(CAST(-10 AS DOUBLE)) FILTER(WHERE
      event_type = 'deposit.forfeited') AS r_deposit_forfeited,
    SUM(CAST(0.5 AS DOUBLE)) FILTER(WHERE
      event_type = 'bill.paid_on_time') AS r_bills_on_time,
    SUM(CAST(1 AS DOUBLE)) FILTER(WHERE
      event_type = 'loan.repaid_on_time') AS r_loans_on_time,
    SUM(CAST(2 AS DOUBLE)) FILTER(WHERE
      event_type = 'contract.fulfilled') AS r_contracts_kept,
    SUM(CAST(3 AS DOUBLE)) FILTER(WHERE
      event_type = 'deposit.returned') AS r_deposits_returned,
    SUM(CAST(5 AS DOUBLE)) FILTER(WHERE
      event_type = 'identity.verified') AS r_identity,
    SUM(CAST(5 AS DOUBLE)) FILTER(WHERE
      event_type = 'address.verified') AS r_address,
    SUM(CAST(5 AS DOUBLE)) FILTER(WHERE
      event_type = 'tax.filed_on_time') AS r_tax_on_time,
    SUM(CAST(5 AS DOUBLE)) FILTER(WHERE
      event_type = 'annual_report.filed') AS r_annual_reports,
    SUM(CAST(0.5 AS DOUBLE)) FILTER(WHERE
      event_type = 'supplier.paid_on_time') AS r_suppliers_paid
  FROM counted
  GROUP BY
    subject_key
), capped AS (
  SELECT
    subject_key,
    n_events,
    history_days,
    GREATEST(COALESCE(r_late_fees, CAST(0 AS DOUBLE)), CAST(-60 AS DOUBLE)) AS r_late_fees,
    GREATEST(COALESCE(r_loan_late, CAST(0 AS DOUBLE)), CAST(-60 AS DOUBLE)) AS r_loan_late,
    GREATEST(COALESCE(r_loan_default, CAST(0 AS DOUBLE)), CAST(-100 AS DOUBLE)) AS r_loan_default,
    GREATEST(COALESCE(r_contract_breach, CAST(0 AS DOUBLE)), CAST(-60 AS DOUBLE)) AS r_contract_breach,
    GREATEST(COALESCE(r_lost_debt_suit, CAST(0 AS DOUBLE)), CAST(-90 AS DOUBLE)) AS r_lost_debt_suit,
    GREATEST(COALESCE(r_tax_arrears, CAST(0 AS DOUBLE)), CAST(-90 AS DOUBLE)) AS r_tax_arrears,
    GREATEST(COALESCE(r_regulatory_penalty, CAST(0 AS DOUBLE)), CAST(-60 AS DOUBLE)) AS r_regulatory_penalty,
    GREATEST(COALESCE(r_annual_report_missing, CAST(0 AS DOUBLE)), CAST(-30 AS DOUBLE)) AS r_annual_report_missing,
    GREATEST(COALESCE(r_suppliers_late, CAST(0 AS DOUBLE)), CAST(-30 AS DOUBLE)) AS r_suppliers_late,
    GREATEST(COALESCE(r_deposit_forfeited, CAST(0 AS DOUBLE)), CAST(-30 AS DOUBLE)) AS r_deposit_forfeited,
    LEAST(COALESCE(r_bills_on_time, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_bills_on_time,
    LEAST(COALESCE(r_loans_on_time, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_loans_on_time,
    LEAST(COALESCE(r_contracts_kept, CAST(0 AS DOUBLE)), CAST(10 AS DOUBLE)) AS r_contracts_kept,
    LEAST(COALESCE(r_deposits_returned, CAST(0 AS DOUBLE)), CAST(9 AS DOUBLE)) AS r_deposits_returned,
    LEAST(COALESCE(r_identity, CAST(0 AS DOUBLE)), CAST(5 AS DOUBLE)) AS r_identity,
    LEAST(COALESCE(r_address, CAST(0 AS DOUBLE)), CAST(5 AS DOUBLE)) AS r_address,
    LEAST(COALESCE(r_tax_on_time, CAST(0 AS DOUBLE)), CAST(20 AS DOUBLE)) AS r_tax_on_time,
    LEAST(COALESCE(r_annual_reports, CAST(0 AS DOUBLE)), CAST(10 AS DOUBLE)) AS r_annual_reports,
    LEAST(COALESCE(r_suppliers_paid, CAST(0 AS DOUBLE)), CAST(10 AS DOUBLE)) AS r_suppliers_paid
  FROM rule_sums
), factored AS (
  SELECT
    s.subject_key,
    s.kind AS subject_kind,
    COALESCE(c.n_events, 0) AS n_events,
    c.history_days,
    COALESCE(c.r_late_fees, CAST(0 AS DOUBLE)) AS r_late_fees,
    COALESCE(c.r_loan_late, CAST(0 AS DOUBLE)) AS r_loan_late,
    COALESCE(c.r_loan_default, CAST(0 AS DOUBLE)) AS r_loan_default,
    COALESCE(c.r_contract_breach, CAST(0 AS DOUBLE)) AS r_contract_breach,
    COALESCE(c.r_lost_debt_suit, CAST(0 AS DOUBLE)) AS r_lost_debt_suit,
    COALESCE(c.r_tax_arrears, CAST(0 AS DOUBLE)) AS r_tax_arrears,
    COALESCE(c.r_regulatory_penalty, CAST(0 AS DOUBLE)) AS r_regulatory_penalty,
    COALESCE(c.r_annual_report_missing, CAST(0 AS DOUBLE)) AS r_annual_report_missing,
    COALESCE(c.r_suppliers_late, CAST(0 AS DOUBLE)) AS r_suppliers_late,
    COALESCE(c.r_deposit_forfeited, CAST(0 AS DOUBLE)) AS r_deposit_forfeited,
    COALESCE(c.r_bills_on_time, CAST(0 AS DOUBLE)) AS r_bills_on_time,
    COALESCE(c.r_loans_on_time, CAST(0 AS DOUBLE)) AS r_loans_on_time,
    COALESCE(c.r_contracts_kept, CAST(0 AS DOUBLE)) AS r_contracts_kept,
    COALESCE(c.r_deposits_returned, CAST(0 AS DOUBLE)) AS r_deposits_returned,
    COALESCE(c.r_identity, CAST(0 AS DOUBLE)) AS r_identity,
    COALESCE(c.r_address, CAST(0 AS DOUBLE)) AS r_address,
    COALESCE(c.r_tax_on_time, CAST(0 AS DOUBLE)) AS r_tax_on_time,
    COALESCE(c.r_annual_reports, CAST(0 AS DOUBLE)) AS r_annual_reports,
    COALESCE(c.r_suppliers_paid, CAST(0 AS DOUBLE)) AS r_suppliers_paid,
    COALESCE(c.r_late_fees, CAST(0 AS DOUBLE)) + COALESCE(c.r_loan_late, CAST(0 AS DOUBLE)) + COALESCE(c.r_loan_default, CAST(0 AS DOUBLE)) + COALESCE(c.r_contract_breach, CAST(0 AS DOUBLE)) + COALESCE(c.r_lost_debt_suit, CAST(0 AS DOUBLE)) + COALESCE(c.r_tax_arrears, CAST(0 AS DOUBLE)) + COALESCE(c.r_regulatory_penalty, CAST(0 AS DOUBLE)) + COALESCE(c.r_suppliers_late, CAST(0 AS DOUBLE)) + COALESCE(c.r_bills_on_time, CAST(0 AS DOUBLE)) + COALESCE(c.r_loans_on_time, CAST(0 AS DOUBLE)) + COALESCE(c.r_contracts_kept, CAST(0 AS DOUBLE)) + COALESCE(c.r_tax_on_time, CAST(0 AS DOUBLE)) + COALESCE(c.r_suppliers_paid, CAST(0 AS DOUBLE)) AS credit_history,
    CAST(0 AS DOUBLE) AS fulfilment_capacity,
    COALESCE(c.r_deposit_forfeited, CAST(0 AS DOUBLE)) + COALESCE(c.r_deposits_returned, CAST(0 AS DOUBLE)) AS behaviour_preference,
    COALESCE(c.r_annual_report_missing, CAST(0 AS DOUBLE)) + COALESCE(c.r_identity, CAST(0 AS DOUBLE)) + COALESCE(c.r_address, CAST(0 AS DOUBLE)) + COALESCE(c.r_annual_reports, CAST(0 AS DOUBLE)) AS identity_traits,
    CAST(0 AS DOUBLE) AS relationships
  FROM subjects AS s
  LEFT JOIN capped AS c
    ON c.subject_key = s.subject_key
), scored AS (
  SELECT
    *,
    ROUND(
      GREATEST(
        CAST(0 AS DOUBLE),
        LEAST(
          CAST(1200 AS DOUBLE),
          CAST(1000 AS DOUBLE) + r_late_fees + r_loan_late + r_loan_default + r_contract_breach + r_lost_debt_suit + r_tax_arrears + r_regulatory_penalty + r_annual_report_missing + r_suppliers_late + r_deposit_forfeited + r_bills_on_time + r_loans_on_time + r_contracts_kept + r_deposits_returned + r_identity + r_address + r_tax_on_time + r_annual_reports + r_suppliers_paid
        )
      ),
      6
    ) AS score,
    CASE
      WHEN COALESCE(n_events, 0) = 0
      THEN 'NO_EVENTS'
      WHEN n_events < 1
      THEN 'TOO_FEW_EVENTS'
    END AS unscorable_reason
  FROM factored
), keyed AS (
  SELECT
    *,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_late_fees
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_late_fees
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 63
    END AS k_0,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_late
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_late
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 62
    END AS k_1,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_default
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_default
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 61
    END AS k_2,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_contract_breach
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_contract_breach
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 60
    END AS k_3,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_lost_debt_suit
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_lost_debt_suit
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 59
    END AS k_4,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_tax_arrears
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_tax_arrears
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 58
    END AS k_5,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_regulatory_penalty
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_regulatory_penalty
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 57
    END AS k_6,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_annual_report_missing
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_annual_report_missing
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 56
    END AS k_7,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_suppliers_late
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_suppliers_late
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 55
    END AS k_8,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_deposit_forfeited
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_deposit_forfeited
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 54
    END AS k_9,
    CASE
      WHEN ROUND(
        (
          CAST(15 AS DOUBLE) - r_bills_on_time
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_bills_on_time
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 53
    END AS k_10,
    CASE
      WHEN ROUND(
        (
          CAST(15 AS DOUBLE) - r_loans_on_time
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_loans_on_time
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 52
    END AS k_11,
    CASE
      WHEN ROUND(
        (
          CAST(10 AS DOUBLE) - r_contracts_kept
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(10 AS DOUBLE) - r_contracts_kept
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 51
    END AS k_12,
    CASE
      WHEN ROUND(
        (
          CAST(9 AS DOUBLE) - r_deposits_returned
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(9 AS DOUBLE) - r_deposits_returned
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 50
    END AS k_13,
    CASE
      WHEN ROUND(
        (
          CAST(5 AS DOUBLE) - r_identity
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(5 AS DOUBLE) - r_identity
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 49
    END AS k_14,
    CASE
      WHEN ROUND(
        (
          CAST(5 AS DOUBLE) - r_address
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(5 AS DOUBLE) - r_address
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 48
    END AS k_15,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(20 AS DOUBLE) - r_tax_on_time
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(20 AS DOUBLE) - r_tax_on_time
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 47
    END AS k_16,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(10 AS DOUBLE) - r_annual_reports
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(10 AS DOUBLE) - r_annual_reports
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 46
    END AS k_17,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(10 AS DOUBLE) - r_suppliers_paid
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(10 AS DOUBLE) - r_suppliers_paid
        ) * CAST(1 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 45
    END AS k_18
  FROM scored
), reason_1 AS (
  SELECT
    *,
    GREATEST(k_0, k_1, k_2, k_3, k_4, k_5, k_6, k_7, k_8, k_9, k_10, k_11, k_12, k_13, k_14, k_15, k_16, k_17, k_18) AS key_1
  FROM keyed
), reason_2 AS (
  SELECT
    *,
    GREATEST(
      CASE WHEN k_0 < key_1 THEN k_0 END,
      CASE WHEN k_1 < key_1 THEN k_1 END,
      CASE WHEN k_2 < key_1 THEN k_2 END,
      CASE WHEN k_3 < key_1 THEN k_3 END,
      CASE WHEN k_4 < key_1 THEN k_4 END,
      CASE WHEN k_5 < key_1 THEN k_5 END,
      CASE WHEN k_6 < key_1 THEN k_6 END,
      CASE WHEN k_7 < key_1 THEN k_7 END,
      CASE WHEN k_8 < key_1 THEN k_8 END,
      CASE WHEN k_9 < key_1 THEN k_9 END,
      CASE WHEN k_10 < key_1 THEN k_10 END,
      CASE WHEN k_11 < key_1 THEN k_11 END,
      CASE WHEN k_12 < key_1 THEN k_12 END,
      CASE WHEN k_13 < key_1 THEN k_13 END,
      CASE WHEN k_14 < key_1 THEN k_14 END,
      CASE WHEN k_15 < key_1 THEN k_15 END,
      CASE WHEN k_16 < key_1 THEN k_16 END,
      CASE WHEN k_17 < key_1 THEN k_17 END,
      CASE WHEN k_18 < key_1 THEN k_18 END
    ) AS key_2
  FROM reason_1
), reason_3 AS (
  SELECT
    *,
    GREATEST(
      CASE WHEN k_0 < key_2 THEN k_0 END,
      CASE WHEN k_1 < key_2 THEN k_1 END,
      CASE WHEN k_2 < key_2 THEN k_2 END,
      CASE WHEN k_3 < key_2 THEN k_3 END,
      CASE WHEN k_4 < key_2 THEN k_4 END,
      CASE WHEN k_5 < key_2 THEN k_5 END,
      CASE WHEN k_6 < key_2 THEN k_6 END,
      CASE WHEN k_7 < key_2 THEN k_7 END,
      CASE WHEN k_8 < key_2 THEN k_8 END,
      CASE WHEN k_9 < key_2 THEN k_9 END,
      CASE WHEN k_10 < key_2 THEN k_10 END,
      CASE WHEN k_11 < key_2 THEN k_11 END,
      CASE WHEN k_12 < key_2 THEN k_12 END,
      CASE WHEN k_13 < key_2 THEN k_13 END,
      CASE WHEN k_14 < key_2 THEN k_14 END,
      CASE WHEN k_15 < key_2 THEN k_15 END,
      CASE WHEN k_16 < key_2 THEN k_16 END,
      CASE WHEN k_17 < key_2 THEN k_17 END,
      CASE WHEN k_18 < key_2 THEN k_18 END
    ) AS key_3
  FROM reason_2
), reason_4 AS (
  SELECT
    *,
    GREATEST(
      CASE WHEN k_0 < key_3 THEN k_0 END,
      CASE WHEN k_1 < key_3 THEN k_1 END,
      CASE WHEN k_2 < key_3 THEN k_2 END,
      CASE WHEN k_3 < key_3 THEN k_3 END,
      CASE WHEN k_4 < key_3 THEN k_4 END,
      CASE WHEN k_5 < key_3 THEN k_5 END,
      CASE WHEN k_6 < key_3 THEN k_6 END,
      CASE WHEN k_7 < key_3 THEN k_7 END,
      CASE WHEN k_8 < key_3 THEN k_8 END,
      CASE WHEN k_9 < key_3 THEN k_9 END,
      CASE WHEN k_10 < key_3 THEN k_10 END,
      CASE WHEN k_11 < key_3 THEN k_11 END,
      CASE WHEN k_12 < key_3 THEN k_12 END,
      CASE WHEN k_13 < key_3 THEN k_13 END,
      CASE WHEN k_14 < key_3 THEN k_14 END,
      CASE WHEN k_15 < key_3 THEN k_15 END,
      CASE WHEN k_16 < key_3 THEN k_16 END,
      CASE WHEN k_17 < key_3 THEN k_17 END,
      CASE WHEN k_18 < key_3 THEN k_18 END
    ) AS key_4
  FROM reason_3
), with_as_of AS (
  SELECT
    reason_4.*,
    CAST('2026-11-01' AS DATE) AS as_of
  FROM reason_4
), x AS (
  SELECT
    *,
    CASE
      WHEN unscorable_reason IS NULL
      THEN ROUND(
        CAST(100 AS DOUBLE) * PERCENT_RANK() OVER (PARTITION BY subject_kind, unscorable_reason IS NULL ORDER BY score),
        6
      )
    END AS percentile
  FROM with_as_of AS x
)
SELECT
  subject_key,
  subject_kind,
  'rongcheng-like' AS model_id,
  '1.0.0' AS model_version,
  as_of,
  CASE WHEN unscorable_reason IS NULL THEN score END AS score,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE
      WHEN score >= CAST(1050 AS DOUBLE)
      THEN 'AAA'
      WHEN score >= CAST(1030 AS DOUBLE)
      THEN 'AA'
      WHEN score >= CAST(960 AS DOUBLE)
      THEN 'A'
      WHEN score >= CAST(850 AS DOUBLE)
      THEN 'B'
      WHEN score >= CAST(600 AS DOUBLE)
      THEN 'C'
      ELSE 'D'
    END
  END AS tier,
  percentile,
  CASE WHEN unscorable_reason IS NULL THEN ROUND(credit_history, 6) END AS credit_history,
  CASE WHEN unscorable_reason IS NULL THEN ROUND(fulfilment_capacity, 6) END AS fulfilment_capacity,
  CASE WHEN unscorable_reason IS NULL THEN ROUND(behaviour_preference, 6) END AS behaviour_preference,
  CASE WHEN unscorable_reason IS NULL THEN ROUND(identity_traits, 6) END AS identity_traits,
  CASE WHEN unscorable_reason IS NULL THEN ROUND(relationships, 6) END AS relationships,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE key_1 % 64
      WHEN 63
      THEN 'LATE_FEES'
      WHEN 62
      THEN 'LOAN_LATE'
      WHEN 61
      THEN 'LOAN_DEFAULT'
      WHEN 60
      THEN 'CONTRACT_BREACH'
      WHEN 59
      THEN 'LOST_DEBT_SUIT'
      WHEN 58
      THEN 'TAX_ARREARS'
      WHEN 57
      THEN 'REGULATORY_PENALTY'
      WHEN 56
      THEN 'ANNUAL_REPORT_MISSING'
      WHEN 55
      THEN 'SUPPLIERS_LATE'
      WHEN 54
      THEN 'DEPOSIT_FORFEITED'
      WHEN 53
      THEN 'BILLS_ON_TIME'
      WHEN 52
      THEN 'LOANS_ON_TIME'
      WHEN 51
      THEN 'CONTRACTS_KEPT'
      WHEN 50
      THEN 'DEPOSITS_RETURNED'
      WHEN 49
      THEN 'IDENTITY'
      WHEN 48
      THEN 'ADDRESS'
      WHEN 47
      THEN 'TAX_ON_TIME'
      WHEN 46
      THEN 'ANNUAL_REPORTS'
      WHEN 45
      THEN 'SUPPLIERS_PAID'
    END
  END AS reason_1,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE key_2 % 64
      WHEN 63
      THEN 'LATE_FEES'
      WHEN 62
      THEN 'LOAN_LATE'
      WHEN 61
      THEN 'LOAN_DEFAULT'
      WHEN 60
      THEN 'CONTRACT_BREACH'
      WHEN 59
      THEN 'LOST_DEBT_SUIT'
      WHEN 58
      THEN 'TAX_ARREARS'
      WHEN 57
      THEN 'REGULATORY_PENALTY'
      WHEN 56
      THEN 'ANNUAL_REPORT_MISSING'
      WHEN 55
      THEN 'SUPPLIERS_LATE'
      WHEN 54
      THEN 'DEPOSIT_FORFEITED'
      WHEN 53
      THEN 'BILLS_ON_TIME'
      WHEN 52
      THEN 'LOANS_ON_TIME'
      WHEN 51
      THEN 'CONTRACTS_KEPT'
      WHEN 50
      THEN 'DEPOSITS_RETURNED'
      WHEN 49
      THEN 'IDENTITY'
      WHEN 48
      THEN 'ADDRESS'
      WHEN 47
      THEN 'TAX_ON_TIME'
      WHEN 46
      THEN 'ANNUAL_REPORTS'
      WHEN 45
      THEN 'SUPPLIERS_PAID'
    END
  END AS reason_2,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE key_3 % 64
      WHEN 63
      THEN 'LATE_FEES'
      WHEN 62
      THEN 'LOAN_LATE'
      WHEN 61
      THEN 'LOAN_DEFAULT'
      WHEN 60
      THEN 'CONTRACT_BREACH'
      WHEN 59
      THEN 'LOST_DEBT_SUIT'
      WHEN 58
      THEN 'TAX_ARREARS'
      WHEN 57
      THEN 'REGULATORY_PENALTY'
      WHEN 56
      THEN 'ANNUAL_REPORT_MISSING'
      WHEN 55
      THEN 'SUPPLIERS_LATE'
      WHEN 54
      THEN 'DEPOSIT_FORFEITED'
      WHEN 53
      THEN 'BILLS_ON_TIME'
      WHEN 52
      THEN 'LOANS_ON_TIME'
      WHEN 51
      THEN 'CONTRACTS_KEPT'
      WHEN 50
      THEN 'DEPOSITS_RETURNED'
      WHEN 49
      THEN 'IDENTITY'
      WHEN 48
      THEN 'ADDRESS'
      WHEN 47
      THEN 'TAX_ON_TIME'
      WHEN 46
      THEN 'ANNUAL_REPORTS'
      WHEN 45
      THEN 'SUPPLIERS_PAID'
    END
  END AS reason_3,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE key_4 % 64
      WHEN 63
      THEN 'LATE_FEES'
      WHEN 62
      THEN 'LOAN_LATE'
      WHEN 61
      THEN 'LOAN_DEFAULT'
      WHEN 60
      THEN 'CONTRACT_BREACH'
      WHEN 59
      THEN 'LOST_DEBT_SUIT'
      WHEN 58
      THEN 'TAX_ARREARS'
      WHEN 57
      THEN 'REGULATORY_PENALTY'
      WHEN 56
      THEN 'ANNUAL_REPORT_MISSING'
      WHEN 55
      THEN 'SUPPLIERS_LATE'
      WHEN 54
      THEN 'DEPOSIT_FORFEITED'
      WHEN 53
      THEN 'BILLS_ON_TIME'
      WHEN 52
      THEN 'LOANS_ON_TIME'
      WHEN 51
      THEN 'CONTRACTS_KEPT'
      WHEN 50
      THEN 'DEPOSITS_RETURNED'
      WHEN 49
      THEN 'IDENTITY'
      WHEN 48
      THEN 'ADDRESS'
      WHEN 47
      THEN 'TAX_ON_TIME'
      WHEN 46
      THEN 'ANNUAL_REPORTS'
      WHEN 45
      THEN 'SUPPLIERS_PAID'
    END
  END AS reason_4,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_1 // 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_1_points,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_2 // 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_2_points,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_3 // 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_3_points,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_4 // 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_4_points,
  n_events,
  unscorable_reason
FROM x
