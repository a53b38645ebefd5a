-- Suppliers whose risk score moved most since the last month-end snapshot before the build date: the current
-- score (marts.supplier_risk_score, as of the build) against the latest marts.supplier_risk_history row dated
-- before it. The same "now" and "last month" as the Supplier page's "what changed" list, also on a mid-month
-- build (one row per supplier). With $before (the weekly digest's window start) the snapshot is the latest one on or
-- before that date.
with current_score as (
    select * from marts.supplier_risk_score
    where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
),

history as (
    select * from marts.supplier_risk_history
),

previous as (
    select
        history.supplier_id,
        history.as_of,
        history.risk_score,
        history.risk_band,
        row_number() over (partition by history.supplier_id order by history.as_of desc) as months_back,
    from history
    inner join current_score on history.supplier_id = current_score.supplier_id
    where history.as_of < current_score.as_of and ($before::date is null or history.as_of <= $before::date)
),

suppliers as (
    select * from staging.suppliers
),

final as (
    select
        current_score.supplier_id,
        suppliers.supplier_name,
        suppliers.supplier_type,
        previous.as_of as previous_as_of,
        current_score.as_of,
        previous.risk_score as previous_score,
        current_score.risk_score,
        current_score.risk_score - previous.risk_score as score_change,
        previous.risk_band as previous_band,
        current_score.risk_band,
    from current_score
    inner join previous on current_score.supplier_id = previous.supplier_id and previous.months_back = 1
    left join suppliers on current_score.supplier_id = suppliers.supplier_id
)

select * from final
where score_change <> 0
order by abs(score_change) desc, supplier_id
limit $limit
