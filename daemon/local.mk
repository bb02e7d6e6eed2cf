# daemon build fragment
include daemon/units.mk
