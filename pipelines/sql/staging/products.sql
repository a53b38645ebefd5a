-- Products, cleaned: one row per SKU.
with source as (
    select * from raw.products
),

final as (
    select
        trim(sku) as sku,
        product_name,
        coalesce(nullif(lower(trim(category)), ''), 'uncategorised') as category,
        trim(supplier_id) as supplier_id,
        nullif(trim(hs_code), '') as hs_code,
        regexp_replace(coalesce(hs_code, ''), '[^0-9]', '', 'g') as hs_digits,
        upper(coalesce(nullif(trim(origin_country), ''), 'CN')) as origin_country,
        retail_price,
        unit_weight_kg,
        unit_volume_m3,
        steel_content_pct,
        aluminium_content_pct,
        upper(coalesce(trim(duty_claims), '')) as duty_claims,
    from source
)

select * from final
