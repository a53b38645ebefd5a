-- The products as the duty table prices them: one row per SKU with its HS code, origin and chapter 99 claims.
select
    sku,
    hs_code,
    origin_country,
    duty_claims,
from staging.products
order by sku
