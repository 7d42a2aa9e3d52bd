"""Documents for people: the registry's annual report (yearbook) and the certificate PDF
(数据产权登记证书), and the CJK fonts they are set in."""
