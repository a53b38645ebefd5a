-- Supplier KPIs for the portfolio pages.
select * from marts.supplier_kpis order by spend desc
