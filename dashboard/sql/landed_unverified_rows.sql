-- Reference duty rows marked unverified that cost shipments in scope: one row per row label, most shipments first.
with shipments as (
    select * from marts.landed_cost_shipment
    where uses_unverified_rows
        and ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
),

duty_rates as (
    select * from reference.duty_rates
),

used as (
    select
        unnest(string_split(unverified_rows, '; ')) as row_label,
        shipment_id,
    from shipments
),

counted as (
    select
        row_label,
        count(distinct shipment_id) as shipment_count,
    from used
    group by row_label
),

notes as (
    select
        -- as models.landed_cost labels a row: its chapter 99 number tells rows of one type and origin apart
        duty_type || ' ' || hs_code || ' ' || origin_country || coalesce(' ' || nullif(ch99_heading, ''), '')
            as row_label,
        duty_type,
        hs_code,
        origin_country,
        nullif(ch99_heading, '') as ch99_heading,
        -- in a fixed order: rows of one label (a rate and its later change) read the same on every run
        string_agg(distinct notes, ' | ' order by notes) as notes,
        string_agg(distinct source, ' | ' order by source) as source,
    from duty_rates
    where status = 'unverified'
    group by all
),

final as (
    select
        counted.row_label,
        notes.duty_type,
        notes.hs_code,
        notes.origin_country,
        notes.ch99_heading,
        counted.shipment_count,
        notes.notes,
        notes.source,
    from counted
    left join notes on counted.row_label = notes.row_label
    order by counted.shipment_count desc, counted.row_label
)

select * from final
