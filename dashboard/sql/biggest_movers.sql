-- Suppliers whose risk score moved most between the last two monthly snapshots (one row per supplier).
with history as (
    select * from marts.supplier_risk_history
    where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
),

ranked as (
    select
        supplier_id,
        month_on,
        risk_score,
        risk_band,
        row_number() over (partition by supplier_id order by month_on desc) as months_back,
    from history
),

suppliers as (
    select * from staging.suppliers
),

final as (
    select
        now.supplier_id,
        suppliers.supplier_name,
        suppliers.supplier_type,
        before.month_on as previous_month_on,
        now.month_on,
        before.risk_score as previous_score,
        now.risk_score,
        now.risk_score - before.risk_score as score_change,
        before.risk_band as previous_band,
        now.risk_band,
    from ranked as now
    inner join ranked as before
        on now.supplier_id = before.supplier_id and now.months_back = 1 and before.months_back = 2
    left join suppliers on now.supplier_id = suppliers.supplier_id
)

select * from final
where score_change <> 0
order by abs(score_change) desc, supplier_id
limit $limit
