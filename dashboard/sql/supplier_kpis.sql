-- Supplier KPIs for the portfolio pages (one row per supplier), restricted to the filtered suppliers.
select *
from marts.supplier_kpis
where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
order by spend desc, supplier_id
