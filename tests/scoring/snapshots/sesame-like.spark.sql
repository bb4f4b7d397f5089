WITH counted AS (
  SELECT
    e.subject_key,
    e.event_type,
    e.amount,
    e.days_past_due,
    DATEDIFF(DAY, CAST(e.occurred_at AS DATE), CAST('2026-11-01' AS DATE)) AS age_days
  FROM events AS e
  WHERE
    CAST(e.occurred_at AS DATE) <= CAST('2026-11-01' AS DATE)
    AND e.event_type IN (
      'bill.paid_on_time',
      'bill.paid_late',
      'loan.repaid_on_time',
      'loan.repaid_late',
      'loan.defaulted',
      'contract.fulfilled',
      'contract.breached',
      'inquiry.hard',
      'court.judgment_against',
      'tax.filed_on_time',
      'tax.arrears',
      'regulatory.penalty',
      'supplier.paid_on_time',
      'supplier.paid_late',
      'income.verified',
      'asset.verified',
      'employment.verified',
      'purchase.completed',
      'payment.autopay_enrolled',
      'deposit.returned',
      'deposit.forfeited',
      'identity.verified',
      'phone.verified',
      'address.verified',
      'education.verified',
      'annual_report.filed',
      'annual_report.missing'
    )
    AND DATEDIFF(DAY, CAST(e.occurred_at AS DATE), CAST('2026-11-01' AS DATE)) <= CASE e.event_type
      WHEN 'bill.paid_on_time'
      THEN 1095
      WHEN 'bill.paid_late'
      THEN 1825
      WHEN 'loan.repaid_on_time'
      THEN 1095
      WHEN 'loan.repaid_late'
      THEN 1825
      WHEN 'loan.defaulted'
      THEN 1825
      WHEN 'contract.fulfilled'
      THEN 1825
      WHEN 'contract.breached'
      THEN 1825
      WHEN 'inquiry.hard'
      THEN 730
      WHEN 'court.judgment_against'
      THEN 1825
      WHEN 'tax.filed_on_time'
      THEN 1095
      WHEN 'tax.arrears'
      THEN 1825
      WHEN 'regulatory.penalty'
      THEN 1825
      WHEN 'supplier.paid_on_time'
      THEN 1095
      WHEN 'supplier.paid_late'
      THEN 1825
      WHEN 'income.verified'
      THEN 730
      WHEN 'asset.verified'
      THEN 1095
      WHEN 'employment.verified'
      THEN 730
      WHEN 'purchase.completed'
      THEN 365
      WHEN 'payment.autopay_enrolled'
      THEN 1095
      WHEN 'deposit.returned'
      THEN 1825
      WHEN 'deposit.forfeited'
      THEN 1825
      WHEN 'identity.verified'
      THEN 3650
      WHEN 'phone.verified'
      THEN 3650
      WHEN 'address.verified'
      THEN 3650
      WHEN 'education.verified'
      THEN 3650
      WHEN 'annual_report.filed'
      THEN 1095
      WHEN 'annual_report.missing'
      THEN 1825
    END
), rule_sums AS (
  SELECT
    subject_key,
    COUNT(*) AS n_events,
    MAX(age_days) AS history_days,
    SUM(CAST(1 AS DOUBLE) * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'bill.paid_on_time') AS r_bill_history,
    SUM(
      CASE
        WHEN days_past_due < CAST(30 AS DOUBLE)
        THEN CAST(-6 AS DOUBLE)
        WHEN days_past_due < CAST(60 AS DOUBLE)
        THEN CAST(-12 AS DOUBLE)
        WHEN days_past_due < CAST(90 AS DOUBLE)
        THEN CAST(-18 AS DOUBLE)
        ELSE CAST(-25 AS DOUBLE)
      END * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'bill.paid_late') AS r_bill_late,
    SUM(CAST(1.5 AS DOUBLE) * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'loan.repaid_on_time') AS r_loan_history,
    SUM(
      CASE
        WHEN days_past_due < CAST(30 AS DOUBLE)
        THEN CAST(-8 AS DOUBLE)
        WHEN days_past_due < CAST(60 AS DOUBLE)
        THEN CAST(-15 AS DOUBLE)
        WHEN days_past_due < CAST(90 AS DOUBLE)
        THEN CAST(-22 AS DOUBLE)
        ELSE CAST(-30 AS DOUBLE)
      END * EXP(CAST(-0.0012836058899258246 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'loan.repaid_late') AS r_loan_late,
    SUM(
      CASE
        WHEN amount < CAST(1000 AS DOUBLE)
        THEN CAST(-30 AS DOUBLE)
        WHEN amount < CAST(10000 AS DOUBLE)
        THEN CAST(-40 AS DOUBLE)
        ELSE CAST(-50 AS DOUBLE)
      END * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'loan.defaulted') AS r_loan_default,
    SUM(CAST(2 AS DOUBLE) * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'contract.fulfilled') AS r_contracts_kept,
    SUM(CAST(-15 AS DOUBLE) * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'contract.breached') AS r_contract_breach,
    SUM(CAST(-2 AS DOUBLE) * EXP(CAST(-0.0038508176697774738 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'inquiry.hard') AS r_inquiries,
    SUM(CAST(-35 AS DOUBLE) * EXP(CAST(-0.00063301112379903683 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'court.judgment_against') AS r_court_judgment,
    SUM(CAST(2 AS DOUBLE) * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'tax.filed_on_time') AS r_tax_on_time,
    SUM(
      CASE
        WHEN amount < CAST(10000 AS DOUBLE)
        THEN CAST(-15 AS DOUBLE)
        WHEN amount < CAST(100000 AS DOUBLE)
        THEN CAST(-25 AS DOUBLE)
        ELSE CAST(-35 AS DOUBLE)
      END * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'tax.arrears') AS r_tax_arrears,
    SUM(CAST(-12 AS DOUBLE) * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'regulatory.penalty') AS r_regulatory_penalty,
    SUM(CAST(0.5 AS DOUBLE) * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'supplier.paid_on_time') AS r_suppliers_paid,
    SUM(
      CASE
        WHEN days_past_due < CAST(30 AS DOUBLE)
        THEN CAST(-3 AS DOUBLE)
        WHEN days_past_due < CAST(60 AS DOUBLE)
        THEN CAST(-6 AS DOUBLE)
        WHEN days_past_due < CAST(90 AS DOUBLE)
        THEN CAST(-10 AS DOUBLE)
        ELSE CAST(-15 AS DOUBLE)
      END * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'supplier.paid_late') AS r_suppliers_late,
    SUM(
      CASE
        WHEN amount < CAST(3000 AS DOUBLE)
        THEN CAST(10 AS DOUBLE)
        WHEN amount < CAST(8000 AS DOUBLE)
        THEN CAST(20 AS DOUBLE)
        WHEN amount < CAST(20000 AS DOUBLE)
        THEN CAST(30 AS DOUBLE)
        ELSE CAST(40 AS DOUBLE)
      END * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'income.verified') AS r_income,
    SUM(
      CASE
        WHEN amount < CAST(50000 AS DOUBLE)
        THEN CAST(8 AS DOUBLE)
        WHEN amount < CAST(500000 AS DOUBLE)
        THEN CAST(15 AS DOUBLE)
        ELSE CAST(25 AS DOUBLE)
      END * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'asset.verified') AS r_assets,
    SUM(CAST(15 AS DOUBLE) * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'employment.verified') AS r_employment,
    SUM(
      CAST(0.29999999999999999 AS DOUBLE) * EXP(CAST(-0.0038508176697774738 AS DOUBLE) * age_days)
    ) FILTER(WHERE
      event_type = 'purchase.completed') AS r_payment_habits,
    SUM(CAST(8 AS DOUBLE) * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'payment.autopay_enrolled') AS r_autopay,
    SUM(CAST(5 AS DOUBLE) * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'deposit.returned') AS r_deposits_returned,
    SUM(CAST(-12 AS DOUBLE) * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'deposit.forfeited') AS r_deposit_forfeited,
    SUM(CAST(30 AS DOUBLE)) FILTER(WHERE
      event_type = 'identity.verified') AS r_identity,
    SUM(CAST(15 AS DOUBLE)) FILTER(WHERE
      event_type = 'phone.verified') AS r_phone,
    SUM(CAST(15 AS DOUBLE) * EXP(CAST(-0.00063301112379903683 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'address.verified') AS r_address,
    SUM(CAST(10 AS DOUBLE)) FILTER(WHERE
      event_type = 'education.verified') AS r_education,
    SUM(CAST(10 AS DOUBLE) * EXP(CAST(-0.0018990333713971104 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'annual_report.filed') AS r_annual_reports,
    SUM(CAST(-20 AS DOUBLE) * EXP(CAST(-0.00094951668569855519 AS DOUBLE) * age_days)) FILTER(WHERE
      event_type = 'annual_report.missing') AS r_annual_report_missing
  FROM counted
  GROUP BY
    subject_key
), capped AS (
  SELECT
    subject_key,
    n_events,
    history_days,
    LEAST(COALESCE(r_bill_history, CAST(0 AS DOUBLE)), CAST(20 AS DOUBLE)) AS r_bill_history,
    GREATEST(COALESCE(r_bill_late, CAST(0 AS DOUBLE)), CAST(-60 AS DOUBLE)) AS r_bill_late,
    LEAST(COALESCE(r_loan_history, CAST(0 AS DOUBLE)), CAST(20 AS DOUBLE)) AS r_loan_history,
    GREATEST(COALESCE(r_loan_late, CAST(0 AS DOUBLE)), CAST(-70 AS DOUBLE)) AS r_loan_late,
    GREATEST(COALESCE(r_loan_default, CAST(0 AS DOUBLE)), CAST(-80 AS DOUBLE)) AS r_loan_default,
    LEAST(COALESCE(r_contracts_kept, CAST(0 AS DOUBLE)), CAST(10 AS DOUBLE)) AS r_contracts_kept,
    GREATEST(COALESCE(r_contract_breach, CAST(0 AS DOUBLE)), CAST(-40 AS DOUBLE)) AS r_contract_breach,
    GREATEST(COALESCE(r_inquiries, CAST(0 AS DOUBLE)), CAST(-12 AS DOUBLE)) AS r_inquiries,
    GREATEST(COALESCE(r_court_judgment, CAST(0 AS DOUBLE)), CAST(-70 AS DOUBLE)) AS r_court_judgment,
    LEAST(COALESCE(r_tax_on_time, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_tax_on_time,
    GREATEST(COALESCE(r_tax_arrears, CAST(0 AS DOUBLE)), CAST(-60 AS DOUBLE)) AS r_tax_arrears,
    GREATEST(COALESCE(r_regulatory_penalty, CAST(0 AS DOUBLE)), CAST(-36 AS DOUBLE)) AS r_regulatory_penalty,
    LEAST(COALESCE(r_suppliers_paid, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_suppliers_paid,
    GREATEST(COALESCE(r_suppliers_late, CAST(0 AS DOUBLE)), CAST(-45 AS DOUBLE)) AS r_suppliers_late,
    LEAST(COALESCE(r_income, CAST(0 AS DOUBLE)), CAST(40 AS DOUBLE)) AS r_income,
    LEAST(COALESCE(r_assets, CAST(0 AS DOUBLE)), CAST(30 AS DOUBLE)) AS r_assets,
    LEAST(COALESCE(r_employment, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_employment,
    LEAST(COALESCE(r_payment_habits, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_payment_habits,
    LEAST(COALESCE(r_autopay, CAST(0 AS DOUBLE)), CAST(10 AS DOUBLE)) AS r_autopay,
    LEAST(COALESCE(r_deposits_returned, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_deposits_returned,
    GREATEST(COALESCE(r_deposit_forfeited, CAST(0 AS DOUBLE)), CAST(-36 AS DOUBLE)) AS r_deposit_forfeited,
    LEAST(COALESCE(r_identity, CAST(0 AS DOUBLE)), CAST(30 AS DOUBLE)) AS r_identity,
    LEAST(COALESCE(r_phone, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_phone,
    LEAST(COALESCE(r_address, CAST(0 AS DOUBLE)), CAST(15 AS DOUBLE)) AS r_address,
    LEAST(COALESCE(r_education, CAST(0 AS DOUBLE)), CAST(10 AS DOUBLE)) AS r_education,
    LEAST(COALESCE(r_annual_reports, CAST(0 AS DOUBLE)), CAST(20 AS DOUBLE)) AS r_annual_reports,
    GREATEST(COALESCE(r_annual_report_missing, CAST(0 AS DOUBLE)), CAST(-40 AS DOUBLE)) AS r_annual_report_missing
  FROM rule_sums
), factored AS (
  SELECT
    s.subject_key,
    s.kind AS subject_kind,
    COALESCE(c.n_events, 0) AS n_events,
    c.history_days,
    COALESCE(c.r_bill_history, CAST(0 AS DOUBLE)) AS r_bill_history,
    COALESCE(c.r_bill_late, CAST(0 AS DOUBLE)) AS r_bill_late,
    COALESCE(c.r_loan_history, CAST(0 AS DOUBLE)) AS r_loan_history,
    COALESCE(c.r_loan_late, CAST(0 AS DOUBLE)) AS r_loan_late,
    COALESCE(c.r_loan_default, CAST(0 AS DOUBLE)) AS r_loan_default,
    COALESCE(c.r_contracts_kept, CAST(0 AS DOUBLE)) AS r_contracts_kept,
    COALESCE(c.r_contract_breach, CAST(0 AS DOUBLE)) AS r_contract_breach,
    COALESCE(c.r_inquiries, CAST(0 AS DOUBLE)) AS r_inquiries,
    COALESCE(c.r_court_judgment, CAST(0 AS DOUBLE)) AS r_court_judgment,
    COALESCE(c.r_tax_on_time, CAST(0 AS DOUBLE)) AS r_tax_on_time,
    COALESCE(c.r_tax_arrears, CAST(0 AS DOUBLE)) AS r_tax_arrears,
    COALESCE(c.r_regulatory_penalty, CAST(0 AS DOUBLE)) AS r_regulatory_penalty,
    COALESCE(c.r_suppliers_paid, CAST(0 AS DOUBLE)) AS r_suppliers_paid,
    COALESCE(c.r_suppliers_late, CAST(0 AS DOUBLE)) AS r_suppliers_late,
    COALESCE(c.r_income, CAST(0 AS DOUBLE)) AS r_income,
    COALESCE(c.r_assets, CAST(0 AS DOUBLE)) AS r_assets,
    COALESCE(c.r_employment, CAST(0 AS DOUBLE)) AS r_employment,
    COALESCE(c.r_payment_habits, CAST(0 AS DOUBLE)) AS r_payment_habits,
    COALESCE(c.r_autopay, CAST(0 AS DOUBLE)) AS r_autopay,
    COALESCE(c.r_deposits_returned, CAST(0 AS DOUBLE)) AS r_deposits_returned,
    COALESCE(c.r_deposit_forfeited, CAST(0 AS DOUBLE)) AS r_deposit_forfeited,
    COALESCE(c.r_identity, CAST(0 AS DOUBLE)) AS r_identity,
    COALESCE(c.r_phone, CAST(0 AS DOUBLE)) AS r_phone,
    COALESCE(c.r_address, CAST(0 AS DOUBLE)) AS r_address,
    COALESCE(c.r_education, CAST(0 AS DOUBLE)) AS r_education,
    COALESCE(c.r_annual_reports, CAST(0 AS DOUBLE)) AS r_annual_reports,
    COALESCE(c.r_annual_report_missing, CAST(0 AS DOUBLE)) AS r_annual_report_missing,
    GREATEST(
      CAST(0 AS DOUBLE),
      LEAST(
        CAST(100 AS DOUBLE),
        CAST(45 AS DOUBLE) + COALESCE(c.r_bill_history, CAST(0 AS DOUBLE)) + COALESCE(c.r_bill_late, CAST(0 AS DOUBLE)) + COALESCE(c.r_loan_history, CAST(0 AS DOUBLE)) + COALESCE(c.r_loan_late, CAST(0 AS DOUBLE)) + COALESCE(c.r_loan_default, CAST(0 AS DOUBLE)) + COALESCE(c.r_contracts_kept, CAST(0 AS DOUBLE)) + COALESCE(c.r_contract_breach, CAST(0 AS DOUBLE)) + COALESCE(c.r_inquiries, CAST(0 AS DOUBLE)) + COALESCE(c.r_court_judgment, CAST(0 AS DOUBLE)) + COALESCE(c.r_tax_on_time, CAST(0 AS DOUBLE)) + COALESCE(c.r_tax_arrears, CAST(0 AS DOUBLE)) + COALESCE(c.r_regulatory_penalty, CAST(0 AS DOUBLE)) + COALESCE(c.r_suppliers_paid, CAST(0 AS DOUBLE)) + COALESCE(c.r_suppliers_late, CAST(0 AS DOUBLE))
      )
    ) AS credit_history,
    GREATEST(
      CAST(0 AS DOUBLE),
      LEAST(
        CAST(100 AS DOUBLE),
        CAST(30 AS DOUBLE) + COALESCE(c.r_income, CAST(0 AS DOUBLE)) + COALESCE(c.r_assets, CAST(0 AS DOUBLE)) + COALESCE(c.r_employment, CAST(0 AS DOUBLE))
      )
    ) AS fulfilment_capacity,
    GREATEST(
      CAST(0 AS DOUBLE),
      LEAST(
        CAST(100 AS DOUBLE),
        CAST(45 AS DOUBLE) + COALESCE(c.r_payment_habits, CAST(0 AS DOUBLE)) + COALESCE(c.r_autopay, CAST(0 AS DOUBLE)) + COALESCE(c.r_deposits_returned, CAST(0 AS DOUBLE)) + COALESCE(c.r_deposit_forfeited, CAST(0 AS DOUBLE))
      )
    ) AS behaviour_preference,
    GREATEST(
      CAST(0 AS DOUBLE),
      LEAST(
        CAST(100 AS DOUBLE),
        CAST(25 AS DOUBLE) + COALESCE(c.r_identity, CAST(0 AS DOUBLE)) + COALESCE(c.r_phone, CAST(0 AS DOUBLE)) + COALESCE(c.r_address, CAST(0 AS DOUBLE)) + COALESCE(c.r_education, CAST(0 AS DOUBLE)) + COALESCE(c.r_annual_reports, CAST(0 AS DOUBLE)) + COALESCE(c.r_annual_report_missing, CAST(0 AS DOUBLE))
      )
    ) AS identity_traits,
    GREATEST(CAST(0 AS DOUBLE), LEAST(CAST(100 AS DOUBLE), CAST(50 AS DOUBLE))) AS relationships
  FROM subjects AS s
  LEFT JOIN capped AS c
    ON c.subject_key = s.subject_key
), scored AS (
  SELECT
    *,
    ROUND(
      GREATEST(
        CAST(350 AS DOUBLE),
        LEAST(
          CAST(950 AS DOUBLE),
          CAST(350 AS DOUBLE) + CAST(2.1000000000000001 AS DOUBLE) * credit_history + CAST(1.5 AS DOUBLE) * fulfilment_capacity + CAST(1.2 AS DOUBLE) * behaviour_preference + CAST(0.90000000000000002 AS DOUBLE) * identity_traits + CAST(0.29999999999999999 AS DOUBLE) * relationships
        )
      ),
      6
    ) AS score,
    CASE
      WHEN COALESCE(n_events, 0) = 0
      THEN 'NO_EVENTS'
      WHEN n_events < 3
      THEN 'TOO_FEW_EVENTS'
      WHEN history_days < 90
      THEN 'HISTORY_TOO_SHORT'
    END AS unscorable_reason
  FROM factored
), keyed AS (
  SELECT
    *,
    CASE
      WHEN ROUND(
        (
          CAST(20 AS DOUBLE) - r_bill_history
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(20 AS DOUBLE) - r_bill_history
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 63
    END AS k_0,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_bill_late
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_bill_late
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 62
    END AS k_1,
    CASE
      WHEN ROUND(
        (
          CAST(20 AS DOUBLE) - r_loan_history
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(20 AS DOUBLE) - r_loan_history
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 61
    END AS k_2,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_late
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_late
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 60
    END AS k_3,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_default
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_loan_default
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 59
    END AS k_4,
    CASE
      WHEN ROUND(
        (
          CAST(10 AS DOUBLE) - r_contracts_kept
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(10 AS DOUBLE) - r_contracts_kept
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 58
    END AS k_5,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_contract_breach
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_contract_breach
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 57
    END AS k_6,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_inquiries
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_inquiries
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 56
    END AS k_7,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_court_judgment
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_court_judgment
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 55
    END AS k_8,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(15 AS DOUBLE) - r_tax_on_time
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_tax_on_time
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 54
    END AS k_9,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_tax_arrears
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_tax_arrears
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 53
    END AS k_10,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_regulatory_penalty
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_regulatory_penalty
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 52
    END AS k_11,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(15 AS DOUBLE) - r_suppliers_paid
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_suppliers_paid
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 51
    END AS k_12,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_suppliers_late
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_suppliers_late
        ) * CAST(2.1000000000000001 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 50
    END AS k_13,
    CASE
      WHEN subject_kind = 'person'
      AND ROUND(
        (
          CAST(40 AS DOUBLE) - r_income
        ) * CAST(1.5 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(40 AS DOUBLE) - r_income
        ) * CAST(1.5 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 49
    END AS k_14,
    CASE
      WHEN ROUND(
        (
          CAST(30 AS DOUBLE) - r_assets
        ) * CAST(1.5 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(30 AS DOUBLE) - r_assets
        ) * CAST(1.5 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 48
    END AS k_15,
    CASE
      WHEN subject_kind = 'person'
      AND ROUND(
        (
          CAST(15 AS DOUBLE) - r_employment
        ) * CAST(1.5 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_employment
        ) * CAST(1.5 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 47
    END AS k_16,
    CASE
      WHEN ROUND(
        (
          CAST(15 AS DOUBLE) - r_payment_habits
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_payment_habits
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 46
    END AS k_17,
    CASE
      WHEN ROUND(
        (
          CAST(10 AS DOUBLE) - r_autopay
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(10 AS DOUBLE) - r_autopay
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 45
    END AS k_18,
    CASE
      WHEN ROUND(
        (
          CAST(15 AS DOUBLE) - r_deposits_returned
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_deposits_returned
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 44
    END AS k_19,
    CASE
      WHEN ROUND(
        (
          CAST(0 AS DOUBLE) - r_deposit_forfeited
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_deposit_forfeited
        ) * CAST(1.2 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 43
    END AS k_20,
    CASE
      WHEN ROUND(
        (
          CAST(30 AS DOUBLE) - r_identity
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(30 AS DOUBLE) - r_identity
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 42
    END AS k_21,
    CASE
      WHEN ROUND(
        (
          CAST(15 AS DOUBLE) - r_phone
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_phone
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 41
    END AS k_22,
    CASE
      WHEN ROUND(
        (
          CAST(15 AS DOUBLE) - r_address
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(15 AS DOUBLE) - r_address
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 40
    END AS k_23,
    CASE
      WHEN subject_kind = 'person'
      AND ROUND(
        (
          CAST(10 AS DOUBLE) - r_education
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(10 AS DOUBLE) - r_education
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 39
    END AS k_24,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(20 AS DOUBLE) - r_annual_reports
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(20 AS DOUBLE) - r_annual_reports
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 38
    END AS k_25,
    CASE
      WHEN subject_kind = 'organisation'
      AND ROUND(
        (
          CAST(0 AS DOUBLE) - r_annual_report_missing
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) > 0
      THEN CAST(ROUND(
        (
          CAST(0 AS DOUBLE) - r_annual_report_missing
        ) * CAST(0.90000000000000002 AS DOUBLE) * CAST(1000000 AS DOUBLE)
      ) AS BIGINT) * 64 + 37
    END AS k_26
  FROM scored
), reason_1 AS (
  SELECT
    *,
    GREATEST(
      k_0,
      k_1,
      k_2,
      k_3,
      k_4,
      k_5,
      k_6,
      k_7,
      k_8,
      k_9,
      k_10,
      k_11,
      k_12,
      k_13,
      k_14,
      k_15,
      k_16,
      k_17,
      k_18,
      k_19,
      k_20,
      k_21,
      k_22,
      k_23,
      k_24,
      k_25,
      k_26
    ) AS key_1
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
      CASE WHEN k_18 < key_1 THEN k_18 END,
      CASE WHEN k_19 < key_1 THEN k_19 END,
      CASE WHEN k_20 < key_1 THEN k_20 END,
      CASE WHEN k_21 < key_1 THEN k_21 END,
      CASE WHEN k_22 < key_1 THEN k_22 END,
      CASE WHEN k_23 < key_1 THEN k_23 END,
      CASE WHEN k_24 < key_1 THEN k_24 END,
      CASE WHEN k_25 < key_1 THEN k_25 END,
      CASE WHEN k_26 < key_1 THEN k_26 END
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
      CASE WHEN k_18 < key_2 THEN k_18 END,
      CASE WHEN k_19 < key_2 THEN k_19 END,
      CASE WHEN k_20 < key_2 THEN k_20 END,
      CASE WHEN k_21 < key_2 THEN k_21 END,
      CASE WHEN k_22 < key_2 THEN k_22 END,
      CASE WHEN k_23 < key_2 THEN k_23 END,
      CASE WHEN k_24 < key_2 THEN k_24 END,
      CASE WHEN k_25 < key_2 THEN k_25 END,
      CASE WHEN k_26 < key_2 THEN k_26 END
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
      CASE WHEN k_18 < key_3 THEN k_18 END,
      CASE WHEN k_19 < key_3 THEN k_19 END,
      CASE WHEN k_20 < key_3 THEN k_20 END,
      CASE WHEN k_21 < key_3 THEN k_21 END,
      CASE WHEN k_22 < key_3 THEN k_22 END,
      CASE WHEN k_23 < key_3 THEN k_23 END,
      CASE WHEN k_24 < key_3 THEN k_24 END,
      CASE WHEN k_25 < key_3 THEN k_25 END,
      CASE WHEN k_26 < key_3 THEN k_26 END
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
        CAST(100 AS DOUBLE) * PERCENT_RANK() OVER (PARTITION BY subject_kind, unscorable_reason IS NULL ORDER BY score NULLS LAST),
        6
      )
    END AS percentile
  FROM with_as_of AS x
)
SELECT
  subject_key,
  subject_kind,
  'sesame-like' AS model_id,
  '1.0.0' AS model_version,
  as_of,
  CASE WHEN unscorable_reason IS NULL THEN score END AS score,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE
      WHEN score >= CAST(700 AS DOUBLE)
      THEN 'excellent'
      WHEN score >= CAST(650 AS DOUBLE)
      THEN 'very_good'
      WHEN score >= CAST(600 AS DOUBLE)
      THEN 'good'
      WHEN score >= CAST(550 AS DOUBLE)
      THEN 'fair'
      ELSE 'poor'
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
      THEN 'BILL_HISTORY'
      WHEN 62
      THEN 'BILL_LATE'
      WHEN 61
      THEN 'LOAN_HISTORY'
      WHEN 60
      THEN 'LOAN_LATE'
      WHEN 59
      THEN 'LOAN_DEFAULT'
      WHEN 58
      THEN 'CONTRACTS_KEPT'
      WHEN 57
      THEN 'CONTRACT_BREACH'
      WHEN 56
      THEN 'INQUIRIES'
      WHEN 55
      THEN 'COURT_JUDGMENT'
      WHEN 54
      THEN 'TAX_ON_TIME'
      WHEN 53
      THEN 'TAX_ARREARS'
      WHEN 52
      THEN 'REGULATORY_PENALTY'
      WHEN 51
      THEN 'SUPPLIERS_PAID'
      WHEN 50
      THEN 'SUPPLIERS_LATE'
      WHEN 49
      THEN 'INCOME'
      WHEN 48
      THEN 'ASSETS'
      WHEN 47
      THEN 'EMPLOYMENT'
      WHEN 46
      THEN 'PAYMENT_HABITS'
      WHEN 45
      THEN 'AUTOPAY'
      WHEN 44
      THEN 'DEPOSITS_RETURNED'
      WHEN 43
      THEN 'DEPOSIT_FORFEITED'
      WHEN 42
      THEN 'IDENTITY'
      WHEN 41
      THEN 'PHONE'
      WHEN 40
      THEN 'ADDRESS'
      WHEN 39
      THEN 'EDUCATION'
      WHEN 38
      THEN 'ANNUAL_REPORTS'
      WHEN 37
      THEN 'ANNUAL_REPORT_MISSING'
    END
  END AS reason_1,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE key_2 % 64
      WHEN 63
      THEN 'BILL_HISTORY'
      WHEN 62
      THEN 'BILL_LATE'
      WHEN 61
      THEN 'LOAN_HISTORY'
      WHEN 60
      THEN 'LOAN_LATE'
      WHEN 59
      THEN 'LOAN_DEFAULT'
      WHEN 58
      THEN 'CONTRACTS_KEPT'
      WHEN 57
      THEN 'CONTRACT_BREACH'
      WHEN 56
      THEN 'INQUIRIES'
      WHEN 55
      THEN 'COURT_JUDGMENT'
      WHEN 54
      THEN 'TAX_ON_TIME'
      WHEN 53
      THEN 'TAX_ARREARS'
      WHEN 52
      THEN 'REGULATORY_PENALTY'
      WHEN 51
      THEN 'SUPPLIERS_PAID'
      WHEN 50
      THEN 'SUPPLIERS_LATE'
      WHEN 49
      THEN 'INCOME'
      WHEN 48
      THEN 'ASSETS'
      WHEN 47
      THEN 'EMPLOYMENT'
      WHEN 46
      THEN 'PAYMENT_HABITS'
      WHEN 45
      THEN 'AUTOPAY'
      WHEN 44
      THEN 'DEPOSITS_RETURNED'
      WHEN 43
      THEN 'DEPOSIT_FORFEITED'
      WHEN 42
      THEN 'IDENTITY'
      WHEN 41
      THEN 'PHONE'
      WHEN 40
      THEN 'ADDRESS'
      WHEN 39
      THEN 'EDUCATION'
      WHEN 38
      THEN 'ANNUAL_REPORTS'
      WHEN 37
      THEN 'ANNUAL_REPORT_MISSING'
    END
  END AS reason_2,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE key_3 % 64
      WHEN 63
      THEN 'BILL_HISTORY'
      WHEN 62
      THEN 'BILL_LATE'
      WHEN 61
      THEN 'LOAN_HISTORY'
      WHEN 60
      THEN 'LOAN_LATE'
      WHEN 59
      THEN 'LOAN_DEFAULT'
      WHEN 58
      THEN 'CONTRACTS_KEPT'
      WHEN 57
      THEN 'CONTRACT_BREACH'
      WHEN 56
      THEN 'INQUIRIES'
      WHEN 55
      THEN 'COURT_JUDGMENT'
      WHEN 54
      THEN 'TAX_ON_TIME'
      WHEN 53
      THEN 'TAX_ARREARS'
      WHEN 52
      THEN 'REGULATORY_PENALTY'
      WHEN 51
      THEN 'SUPPLIERS_PAID'
      WHEN 50
      THEN 'SUPPLIERS_LATE'
      WHEN 49
      THEN 'INCOME'
      WHEN 48
      THEN 'ASSETS'
      WHEN 47
      THEN 'EMPLOYMENT'
      WHEN 46
      THEN 'PAYMENT_HABITS'
      WHEN 45
      THEN 'AUTOPAY'
      WHEN 44
      THEN 'DEPOSITS_RETURNED'
      WHEN 43
      THEN 'DEPOSIT_FORFEITED'
      WHEN 42
      THEN 'IDENTITY'
      WHEN 41
      THEN 'PHONE'
      WHEN 40
      THEN 'ADDRESS'
      WHEN 39
      THEN 'EDUCATION'
      WHEN 38
      THEN 'ANNUAL_REPORTS'
      WHEN 37
      THEN 'ANNUAL_REPORT_MISSING'
    END
  END AS reason_3,
  CASE
    WHEN unscorable_reason IS NULL
    THEN CASE key_4 % 64
      WHEN 63
      THEN 'BILL_HISTORY'
      WHEN 62
      THEN 'BILL_LATE'
      WHEN 61
      THEN 'LOAN_HISTORY'
      WHEN 60
      THEN 'LOAN_LATE'
      WHEN 59
      THEN 'LOAN_DEFAULT'
      WHEN 58
      THEN 'CONTRACTS_KEPT'
      WHEN 57
      THEN 'CONTRACT_BREACH'
      WHEN 56
      THEN 'INQUIRIES'
      WHEN 55
      THEN 'COURT_JUDGMENT'
      WHEN 54
      THEN 'TAX_ON_TIME'
      WHEN 53
      THEN 'TAX_ARREARS'
      WHEN 52
      THEN 'REGULATORY_PENALTY'
      WHEN 51
      THEN 'SUPPLIERS_PAID'
      WHEN 50
      THEN 'SUPPLIERS_LATE'
      WHEN 49
      THEN 'INCOME'
      WHEN 48
      THEN 'ASSETS'
      WHEN 47
      THEN 'EMPLOYMENT'
      WHEN 46
      THEN 'PAYMENT_HABITS'
      WHEN 45
      THEN 'AUTOPAY'
      WHEN 44
      THEN 'DEPOSITS_RETURNED'
      WHEN 43
      THEN 'DEPOSIT_FORFEITED'
      WHEN 42
      THEN 'IDENTITY'
      WHEN 41
      THEN 'PHONE'
      WHEN 40
      THEN 'ADDRESS'
      WHEN 39
      THEN 'EDUCATION'
      WHEN 38
      THEN 'ANNUAL_REPORTS'
      WHEN 37
      THEN 'ANNUAL_REPORT_MISSING'
    END
  END AS reason_4,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_1 DIV 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_1_points,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_2 DIV 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_2_points,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_3 DIV 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_3_points,
  CASE
    WHEN unscorable_reason IS NULL
    THEN ROUND(CAST(key_4 DIV 64 AS DOUBLE) / CAST(1000000 AS DOUBLE), 6)
  END AS reason_4_points,
  n_events,
  unscorable_reason
FROM x
