-- Score history rows are month ends on or before the build date, each valid from the next day: returns offending rows.
with history as (
    select * from marts.supplier_risk_history
),

build_info as (
    select * from ingest.build_info
),

final as (
    select
        history.supplier_id,
        history.as_of,
        history.month_on,
    from history
    cross join build_info
    where history.as_of > build_info.as_of
        or history.month_on <> history.as_of + 1
        or extract(day from history.month_on) <> 1
)

select * from final
