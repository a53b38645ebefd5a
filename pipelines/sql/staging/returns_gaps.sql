-- Months inside the span a channel's returns cover whose returns were not imported (a monthly returns report
-- skipped between others): one row per channel and run of such months. A sales month between the first and the last
-- month with a return (the months before and after: staging.returns_coverage) in which no return is dated is a
-- candidate; a run of consecutive candidate months is left out of the return rates when the channel's return rate
-- over its span (staging.returns_coverage.return_rate) would have brought at least returns_gap_expected_units
-- returned units from the run's sales and the data has none: a test, not a guess (a small channel's quiet month
-- stays). A month's returns come partly from the month before (return_lag_months), but in steady state a month of
-- missing returns takes out as much as a month of sales: each missing month leaves out its own month's sales.
-- gap_from .. gap_to: the run's months. units_sold and expected are the run's (every channel's together when pooled:
-- the channels' returns cannot be told apart, so the runs are those of every channel together and each channel has a
-- row per run).
with coverage as (
    select * from staging.returns_coverage
),

returns as (
    select * from staging.returns
),

settings as (
    select
        cast(max(value) filter (where setting = 'returns_gap_expected_units') as double) as gap_units,
    from reference.kpi_settings
),

-- each scope (a channel, or NULL for every channel together) with its span and rate, once
scopes as (
    select distinct
        case when pooled then null else channel end as scope,
        first_return_month,
        last_return_month,
        return_rate,
    from coverage
    where first_return_month is not null
),

scope_returns as (
    select distinct
        case when coverage.pooled then null else returns.channel end as scope,
        cast(date_trunc('month', returns.returned_on) as date) as month_on,
    from returns
    cross join (select any_value(pooled) as pooled from coverage) as coverage
),

scope_sales as (
    select
        case when coverage.pooled then null else sales.channel end as scope,
        cast(sales.month || '-01' as date) as month_on,
        sum(sales.units_sold) as units_sold,
    from raw.sales as sales
    inner join coverage on coverage.channel = channel_key(sales.channel)
    group by all
),

-- sales months between the first and the last month with a return in which no return is dated
candidates as (
    select
        scope_sales.scope,
        scope_sales.month_on,
        scope_sales.units_sold,
        scopes.return_rate,
        year(scope_sales.month_on) * 12 + month(scope_sales.month_on) as month_no,
    from scope_sales
    inner join scopes on scopes.scope is not distinct from scope_sales.scope
    where scope_sales.month_on between scopes.first_return_month and scopes.last_return_month
        and not exists (
            select 1 from scope_returns
            where scope_returns.scope is not distinct from scope_sales.scope
                and scope_returns.month_on = scope_sales.month_on)
),

runs as (
    select
        scope,
        min(month_on) as gap_from,
        max(month_on) as gap_to,
        sum(units_sold) as units_sold,
        sum(units_sold) * any_value(return_rate) as expected,
    from (select *, month_no - row_number() over (partition by scope order by month_on) as run from candidates)
    group by scope, run
),

final as (
    select
        coverage.channel,
        coverage.pooled,
        runs.gap_from,
        runs.gap_to,
        cast(runs.units_sold as bigint) as units_sold,
        runs.expected,
    from runs
    cross join settings
    inner join coverage
        on runs.scope is not distinct from (case when coverage.pooled then null else coverage.channel end)
    where runs.expected >= settings.gap_units
)

select * from final
