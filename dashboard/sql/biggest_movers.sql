-- Suppliers whose risk score moved most since "last month" (one row per supplier): the current score
-- (marts.supplier_risk_score, as of the build) against the macro score_snapshot_before (pipelines/sql/macros.sql),
-- the latest month-end snapshot before it, also on a mid-month build; with $before (the weekly digest's window start)
-- the latest one on or before that date.
with current_score as (
    select * from marts.supplier_risk_score
    where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
),

previous as (
    select * from score_snapshot_before($before)
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
        current_score.red_flag_count,
        -- each pillar's move (the score's change is their sum, up to rounding): what moved it
        current_score.entity_points - previous.entity_points as entity_change,
        current_score.transaction_points - previous.transaction_points as transaction_change,
        current_score.quality_points - previous.quality_points as quality_change,
        current_score.delivery_points - previous.delivery_points as delivery_change,
        current_score.commercial_points - previous.commercial_points as commercial_change,
    from current_score
    inner join previous on current_score.supplier_id = previous.supplier_id
    left join suppliers on current_score.supplier_id = suppliers.supplier_id
)

select * from final
where score_change <> 0
order by abs(score_change) desc, supplier_id
limit $limit
