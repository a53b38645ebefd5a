-- Every name one supplier appears under: store, legal entity, bank beneficiary, PI sellers and payees (one row per name and source).
with suppliers as (
    select * from staging.suppliers where supplier_id = $supplier_id
),

purchase_orders as (
    select * from staging.purchase_orders where supplier_id = $supplier_id
),

payments as (
    select payments.*
    from staging.payments
    inner join purchase_orders on payments.po_id = purchase_orders.po_id
),

names as (
    select 'Store or trading name' as source, supplier_name as name, 1 as documents, null::double as amount, 1 as ord
    from suppliers
    union all
    select 'Legal entity (licence)', legal_name, 1, null, 2 from suppliers where legal_name is not null
    union all
    select 'Bank beneficiary', bank_beneficiary, 1, null, 3 from suppliers where bank_beneficiary is not null
    union all
    select 'Seller on proforma invoice', pi_entity_name, count(*), sum(order_value), 4
    from purchase_orders where pi_entity_name is not null group by pi_entity_name
    union all
    select 'Payee of payments', payee_name, count(*), sum(amount), 5
    from payments where payee_name is not null group by payee_name
),

final as (
    -- a plain read: comparing each name with the legal entity is models.entity.compare_names' job, the same
    -- rule the entity signal of the score uses
    select
        names.source,
        names.name,
        names.documents,
        names.amount,
        names.ord = 1 as is_store_name,
        names.ord,
    from names
)

select * exclude (ord) from final order by ord, amount desc nulls last, name
