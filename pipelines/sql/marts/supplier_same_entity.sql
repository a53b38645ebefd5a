-- Suppliers that are one legal entity, or are paid to one: two supplier records with the same registration id (a
-- unified social credit code names one legal entity), the same legal name, or a bank beneficiary in common (the
-- supplier file's bank_beneficiary or a bank account's beneficiary: the money for both goes to that entity), names
-- compared by their letters and digits (case, spaces and punctuation ignored: "Ningbo Alpha Co., Ltd." is "NINGBO
-- ALPHA CO LTD"). Either the same supplier entered twice (its orders and record split in two, each reading thinner
-- than it is), one company behind two stores (a factory store and a trading store: buying from both is no second
-- source), or one entity collecting for another. What they share, the strongest tie first (registration id, legal
-- name, beneficiary), for each supplier and other supplier, both ways: one row per supplier and other supplier.
with suppliers as (
    select * from staging.suppliers
),

bank_accounts as (
    select * from staging.bank_accounts
),

-- every tie a supplier can share, as (supplier, kind, strength, value as written)
tie_values as (
    select supplier_id, 'registration_id' as shared, 1 as strength, registration_id as shared_value,
    from suppliers
    union all
    select supplier_id, 'legal_name', 2, legal_name,
    from suppliers
    union all
    select supplier_id, 'bank_beneficiary', 3, bank_beneficiary,
    from suppliers
    union all
    select supplier_id, 'bank_beneficiary', 3, beneficiary,
    from bank_accounts
),

-- each with its key for matching: letters and digits, case ignored
ties as (
    select *, lower(regexp_replace(shared_value, '[^\p{L}\p{N}]', '', 'g')) as tie_key,
    from tie_values
),

-- a beneficiary is compared with beneficiaries only: a supplier paid to its own legal name matches no one by it
shared as (
    select
        one.supplier_id,
        other.supplier_id as other_supplier_id,
        one.shared,
        one.strength,
        other.shared_value,
    from ties as one
    inner join ties as other
        on one.tie_key = other.tie_key and one.shared = other.shared and one.supplier_id <> other.supplier_id
    where one.tie_key <> ''
),

final as (
    select
        shared.supplier_id,
        shared.other_supplier_id,
        suppliers.supplier_name as other_supplier_name,
        arg_min(shared.shared, shared.strength) as shared,
        arg_min(shared.shared_value, [shared.strength::varchar, shared.shared_value]) as shared_value,
    from shared
    inner join suppliers on suppliers.supplier_id = shared.other_supplier_id
    group by all
)

select * from final
order by supplier_id, other_supplier_id
