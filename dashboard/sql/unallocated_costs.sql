-- marts.unallocated_costs as built.
select * from marts.unallocated_costs
