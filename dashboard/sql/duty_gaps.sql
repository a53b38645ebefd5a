-- The products' HS codes and origins the duty table cannot price on the analysis date, most SKUs first
-- (marts.duty_gaps).
select
    hs_code,
    origin_country,
    missing,
    sku_count,
    skus,
from marts.duty_gaps
order by sku_count desc, hs_code asc, origin_country asc
