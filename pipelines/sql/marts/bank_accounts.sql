-- Bank accounts with what is new about each and whether it is verified as of the build date: one row per account.
-- A change (a second or later account of the supplier, or an account outside the supplier's country, even its first)
-- that is not verified is what business-email-compromise fraud looks like. `is_change` is that rule, defined here
-- only: the risk score (at every month end) and the release checklist read it (pipelines/loaders.py,
-- pipelines/steps/open_orders.py); whether it is verified is theirs to judge at their own date.
with bank_accounts as (
    select * from staging.bank_accounts
),

build_info as (
    select * from ingest.build_info
),

ordered as (
    select
        *,
        row_number() over (partition by supplier_id order by first_seen_on, bank_account_id) as account_order,
    from bank_accounts
),

earlier as (
    -- the countries of the supplier's earlier accounts, per account
    select
        later.bank_account_id,
        count(before.bank_account_id) as earlier_accounts,
        count(before.bank_account_id) filter (where before.bank_country = later.bank_country) as earlier_same_country,
        count(before.bank_account_id) filter (where before.bank_country = 'ZZ') as earlier_unknown_country,
    from ordered as later
    left join ordered as before
        on before.supplier_id = later.supplier_id and before.account_order < later.account_order
    group by later.bank_account_id
),

final as (
    select
        ordered.bank_account_id,
        ordered.supplier_id,
        ordered.account_number_masked,
        ordered.bank_name,
        ordered.bank_country,
        ordered.beneficiary,
        ordered.first_seen_on,
        ordered.verified_on,
        ordered.verification_method,
        ordered.verification_recorded_on,
        ordered.account_order,
        ordered.account_order > 1 as is_new_account,
        -- not known when the account's country is not (ZZ), nor when an earlier account's is not and none matches
        case
            when ordered.bank_country = 'ZZ' then null
            when earlier.earlier_same_country > 0 then false
            when earlier.earlier_unknown_country > 0 then null
            else ordered.account_order > 1
        end as is_new_country,
        ordered.is_offshore,
        ordered.account_order > 1 or coalesce(ordered.is_offshore, false) as is_change,
        ordered.verified_on is not null and ordered.verified_on <= build_info.as_of as is_verified,
        is_change and not coalesce(ordered.verified_on <= build_info.as_of, false) as is_unverified_change,
        ordered.note,
    from ordered
    inner join earlier on ordered.bank_account_id = earlier.bank_account_id
    cross join build_info
)

select * from final
