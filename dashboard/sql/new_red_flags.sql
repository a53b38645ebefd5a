-- The red flags raised since the last month-end snapshot on or before $before (the weekly digest's window start; macro
-- score_snapshot_before, pipelines/sql/macros.sql): each current red flag that was not among the supplier's flags at
-- that snapshot (no snapshot then: every flag counts as new), one row per red flag, with the supplier's count then and
-- now.
with current_score as (
    select * from marts.supplier_risk_score where red_flag_count > 0
),

baseline as (
    select * from score_snapshot_before($before)
),

suppliers as (
    select * from staging.suppliers
),

final as (
    select
        current_score.supplier_id,
        suppliers.supplier_name,
        current_score.risk_score,
        current_score.risk_band,
        baseline.as_of as baseline_as_of,
        coalesce(baseline.red_flag_count, 0) as red_flags_before,
        current_score.red_flag_count as red_flags_now,
        replace(flags.flag, '_', ' ') as red_flag,
        flags.reason,
    from marts.supplier_red_flags as flags
    inner join current_score on flags.supplier_id = current_score.supplier_id
    left join baseline on flags.supplier_id = baseline.supplier_id
    left join suppliers on flags.supplier_id = suppliers.supplier_id
    where not list_contains(string_split(coalesce(baseline.red_flags, ''), ','), flags.flag)
)

select * from final order by risk_score desc, supplier_id, red_flag
