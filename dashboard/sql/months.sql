-- Every month with sales, returns, costs or a landed delivery: the choices of the period control (one row per month).
with leakage_months as (
    select distinct month from marts.margin_leakage_wide
),

landed_months as (
    select distinct delivery_month as month from marts.landed_cost_po
    where is_landed and delivery_month is not null
),

final as (
    select month from leakage_months
    union
    select month from landed_months
)

select * from final
order by month
