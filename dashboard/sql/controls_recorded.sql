-- How many rows the import holds in each sourcing-control table (one row): a supplier with no row in an imported
-- table has none of those issues; in a table the import does not carry at all, they are unknown.
with final as (
    select
        (select count(*) from staging.bank_accounts) as bank_accounts,
        (select count(*) from staging.changes) as changes,
        (select count(*) from staging.corrective_actions) as corrective_actions,
)

select * from final
