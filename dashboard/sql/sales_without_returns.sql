-- The sales the return rates leave out, for the filtered suppliers, one supplier or one SKU (all months, as the score reads them; staging.sales.returns_recorded): one row per channel and reason (staging.sales.returns_left_out), most units first. reason 'channel': no return in the data names the channel, its returns were never imported; 'reasons': the channel's returns give no reason, none can be told a defect; 'before' / 'after': months before the first or after the last of the returns on record for it (staging.returns_coverage), whose returns were not imported; 'gap': a run of months between them whose returns were not imported (staging.returns_gaps: one row per run).
with products as (
    select * from staging.products
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
),

left_out as (
    select
        sales.channel,
        sales.returns_left_out as reason,
        sales.month_on,
        sales.units_sold,
        coverage.first_return_month,
        coverage.last_return_month,
        -- a gap's run of months (staging.returns_gaps), each said apart
        case when sales.returns_left_out = 'gap' then gaps.gap_from end as gap_from,
    from staging.sales as sales
    inner join products on sales.sku = products.sku
    left join staging.returns_coverage as coverage on coverage.channel = sales.channel
    left join staging.returns_gaps as gaps
        on gaps.channel = sales.channel and sales.month_on between gaps.gap_from and gaps.gap_to
    where not sales.returns_recorded
)

select
    channel,
    reason,
    cast(sum(units_sold) as bigint) as units_sold,
    min(month_on) as first_month,
    max(month_on) as last_month,
    any_value(first_return_month) as first_return_month,
    any_value(last_return_month) as last_return_month,
from left_out
group by channel, reason, gap_from
order by units_sold desc, channel, reason, gap_from
