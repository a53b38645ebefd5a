-- One supplier's background checks at the build date: registry and public records, each dated, expired, undated
-- or not checked (one row per source).
with background_checks as (
    select * from marts.background_checks where supplier_id = $supplier_id
)

select source, state, checked_on, expires_on, finding from background_checks order by source
