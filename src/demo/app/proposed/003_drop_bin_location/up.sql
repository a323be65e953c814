-- A change someone proposes: bin locations "moved to the warehouse system".
-- The sync task still reads inventory_items.bin_location; lockstep lint catches it.
alter table inventory_items drop column bin_location;
