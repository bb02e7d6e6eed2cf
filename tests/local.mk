# tests build fragment
