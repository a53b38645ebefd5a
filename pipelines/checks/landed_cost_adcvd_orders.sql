-- severity: warn
-- Products whose HS code and country of origin fall under an antidumping or countervailing duty order
-- (reference.adcvd_orders: the order's HTS numbers, which the written scope decides): a cash deposit, set per producer
-- and exporter, is due on goods in the scope, and landed cost has it only where your broker's entry summary declares
-- it. Ask your broker for the rate, or keep the reason the goods are outside the written scope. A product whose every
-- shipment under the order has its deposit declared is not told.
--
-- For engineers: marts.adcvd_exposure, one problem per product and goods of an order (its AD and CVD cases
-- together; row_key as the mart gives it; "may fall under" when the product's code is less specific than the
-- order's numbers); an order still in force is told even before a shipment. The problem names
-- no count that grows with each shipment, so a row marked reviewed (the goods outside the written scope) stays
-- reviewed (reviews are matched on the problem's words).
select
    row_key,
    'SKU ' || sku || ' (HS ' || hs_code || ', made in ' || origin_country || ') '
    || case when code_less_specific then 'may fall' else 'falls' end || ' under the AD/CVD order '
    || cases || ' on ' || order_product || ' from ' || origin_country || ' (from ' || strftime(order_from, '%Y-%m-%d')
    || ')'
    || case
        when code_less_specific then ': its HS code is less specific than the order''s HTS numbers; if it does, the'
        else ': the'
    end
    || ' cash deposit, set per producer and exporter, is not in its landed cost'
    || case
        when deposit_shipment_count > 0 then ' but for the shipments whose entry summary declares it'
        else ''
    end as problem
from marts.adcvd_exposure
where deposit_shipment_count = 0 or deposit_shipment_count < shipment_count
order by sku
