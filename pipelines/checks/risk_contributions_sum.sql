-- Signal contributions add up to each supplier's risk score, which stays within 0..100: returns the offending suppliers.
with signals as (
    select * from marts.supplier_signals
),

scores as (
    select * from marts.supplier_risk_score
),

totals as (
    select
        supplier_id,
        sum(points) as points,
        bool_or(points < 0 or points > max_points + 1e-9) as has_point_out_of_range,
    from signals
    group by supplier_id
),

final as (
    select
        scores.supplier_id,
        scores.risk_score,
        totals.points,
    from scores
    left join totals on scores.supplier_id = totals.supplier_id
    where totals.points is null
        or abs(totals.points - scores.risk_score) > 1e-6
        or abs(scores.entity_points + scores.transaction_points + scores.quality_points + scores.delivery_points
               + scores.commercial_points - scores.risk_score) > 1e-6
        or scores.risk_score not between 0 and 100
        or totals.has_point_out_of_range
)

select * from final
