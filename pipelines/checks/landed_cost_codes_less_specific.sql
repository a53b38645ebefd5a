-- severity: warn
-- Products given an HS code of 6 or 8 digits with lines under it the duty table prices apart on the analysis date
-- (power banks, 8507.60.0020, under Section 301 at 25% from 2026-01-01 while 8507.60.00 carries 7.5%; upholstered
-- wooden seats, 9401.61.4011, under Section 232): their duty is costed with the rows of the shorter code, which may
-- be too low. Give the product its 10-digit code (the broker's entry summary has it).
--
-- For engineers: staging.products against reference.duty_rates, the rows for the product's origin or every origin in
-- force on ingest.build_info.as_of whose code the product's holds (hs_code_holds); one problem per product naming those
-- rows' duties and codes (no count or amount, so a review outlives the next shipment).
with rates as (
    select
        hs_code,
        duty_type,
        origin_country,
        regexp_replace(hs_code, '[^0-9]', '', 'g') as row_digits,
        cast(effective_from as date) as effective_from,
        cast(nullif(cast(effective_to as varchar), '') as date) as effective_to,
    from reference.duty_rates
),

apart as (
    select
        products.sku,
        products.hs_code,
        products.origin_country,
        string_agg(
            distinct replace(rates.duty_type, '_', ' ') || ' on ' || rates.hs_code, ', '
            order by replace(rates.duty_type, '_', ' ') || ' on ' || rates.hs_code
        ) as rows_apart,
    from staging.products as products
    cross join ingest.build_info as build_info
    inner join rates
        on (rates.origin_country = '*' or rates.origin_country = products.origin_country)
        and hs_code_holds(products.hs_digits, rates.row_digits)
        and rates.effective_from <= build_info.as_of
        and (rates.effective_to is null or rates.effective_to >= build_info.as_of)
    group by products.sku, products.hs_code, products.origin_country
)

select
    sku as row_key,
    'SKU ' || sku || ' (HS ' || hs_code || ', made in ' || origin_country || '): the duty table prices lines under '
    || 'that code apart (' || rows_apart || '), so its duty, costed with the rows of ' || hs_code
    || ', may be wrong: give the product its 10-digit code' as problem
from apart
order by sku
