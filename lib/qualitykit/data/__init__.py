"""Data: reading and validating tables (``io``), the data set with pushdown reads (``dataset``),
GB/T 2260 regions (``regions``), GB/T 4754 industries (``industries``), published reference
figures (``reference``) and the synthetic sample (``sample``)."""
