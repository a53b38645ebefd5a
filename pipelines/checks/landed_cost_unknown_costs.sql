-- severity: warn
-- Shipments whose duty or entry fees could not be worked out (no HS code and no duty paid, or no rate for the entry
-- date) and charges that could not be put on any order: landed cost is understated by these.
--
-- For engineers: marts.landed_cost_shipment's duty_source and fees_source 'unknown', and marts.unallocated_costs.
-- A product of an origin whose Section 301 lists name codes one by one (reference.listed_duties) needs a row of
-- that duty for its code, 0% when on none: duty_rows_missing names the duty it lacks.
-- A product still holding a code a tariff revision replaced (reference.hts_renumbering: the code is the predecessor
-- of a new one in force on the entry date) is told so: its code needs updating, not the duty table.
with replaced as (
    select
        shipment.shipment_id,
        string_agg(distinct renumbering.hs_code, ' or ' order by renumbering.hs_code) as successor,
        min(renumbering.effective_from) as replaced_on,
    from marts.landed_cost_shipment as shipment
    inner join staging.products as products on shipment.sku = products.sku
    inner join reference.hts_renumbering as renumbering
        on starts_with(products.hs_digits, regexp_replace(renumbering.predecessor, '[^0-9]', '', 'g'))
        and shipment.entry_on >= renumbering.effective_from
    where shipment.duty_source = 'unknown'
    group by shipment.shipment_id
),

found as (
    select
        1 as part,
        shipment.shipment_id as row_key,
        'shipment ' || shipment.shipment_id || ': duty unknown: '
        || coalesce(
            'its product''s HS code was replaced by ' || replaced.successor || ' from '
            || strftime(replaced.replaced_on, '%Y-%m-%d')
            || ' (a tariff revision): give the product the code in force, no duty rate is kept for the old one',
            'no duty paid given, and duty_rates.csv has no ' || shipment.duty_rows_missing || ' row for HS '
            || products.hs_code || ' from ' || products.origin_country
            || ' (that duty names codes one by one: add the rate of its list, or 0% if it is on none)',
            'no duty paid given, and no HS code or no duty rate for it on the entry date'
        ) as problem
    from marts.landed_cost_shipment as shipment
    left join replaced on shipment.shipment_id = replaced.shipment_id
    left join staging.products as products on shipment.sku = products.sku
    where shipment.duty_source = 'unknown'
    union all
    select
        2,
        shipment_id,
        'shipment ' || shipment_id
        || ': entry fees unknown: no fees given, and no merchandise processing fee rate for the entry date'
    from marts.landed_cost_shipment
    where fees_source = 'unknown'
    union all
    select
        3,
        source_table || ':' || source_id,
        'unallocated ' || charge || ' of ' || source_table || ' ' || source_id || ': ' || reason
    from marts.unallocated_costs
)

-- in a fixed order (the joins above do not keep the marts' order): duty, fees, then charges, each by its key
select
    row_key,
    problem
from found
order by part, row_key
