"""Documents for people: the certificate PDF (数据产权登记证书) and the fonts it is set in."""
