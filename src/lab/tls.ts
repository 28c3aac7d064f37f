// The lab's TLS material for its HTTPS probe targets. A throw-away CA made for the lab only: its key
// never signed anything else, the leaf covers only loopback addresses (127.0.100.1, 127.0.200-202.1)
// and *.probe.lab, and nothing outside the lab trusts it (the lab's config hands the CA to routerctl
// as `diagnostics.probes.caFile`). Valid 2020-2120, so a wrong clock does not break the lab.
// Regenerate with openssl (prime256v1) if the addresses change.

export const LAB_CA_CERT = `-----BEGIN CERTIFICATE-----
MIIBiTCCATCgAwIBAgICEAAwCgYIKoZIzj0EAwIwKzEpMCcGA1UEAwwgcm91dGVy
Y3RsIGxhYiBDQSAobG9vcGJhY2sgb25seSkwIBcNMjAwMTAxMDAwMDAwWhgPMjEy
MDAxMDEwMDAwMDBaMCsxKTAnBgNVBAMMIHJvdXRlcmN0bCBsYWIgQ0EgKGxvb3Bi
YWNrIG9ubHkpMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZy9BmU4zVjKhwpWr
ofeNZjly37mxpxnfMYrICRf4tWqLwKwjg18KzYRVj21UJ2P9RpeUUJh5xg2BGCIa
oggFG6NCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAgQwHQYDVR0O
BBYEFL0wjOTitWmBb8R6Z10oQMA2aS1dMAoGCCqGSM49BAMCA0cAMEQCIHsQqtoq
KzaATfmwe2ydYyq4DUdMJgpd1rV1P7ocUIF0AiASrWYCyuLN3y+3Wz1or7OyMkph
uuqHVF09HyTTrveD9g==
-----END CERTIFICATE-----
`;

export const LAB_PROBE_CERT = `-----BEGIN CERTIFICATE-----
MIIB5zCCAY2gAwIBAgICEAEwCgYIKoZIzj0EAwIwKzEpMCcGA1UEAwwgcm91dGVy
Y3RsIGxhYiBDQSAobG9vcGJhY2sgb25seSkwIBcNMjAwMTAxMDAwMDAwWhgPMjEy
MDAxMDEwMDAwMDBaMB4xHDAaBgNVBAMME3JvdXRlcmN0bCBsYWIgcHJvYmUwWTAT
BgcqhkjOPQIBBggqhkjOPQMBBwNCAASY/FsIcs2bhlkCa52pFn1T+r+gUNGwNNnZ
g1vqKBHtC3q0lhS0kE8VuNEVQBps9q81ZJFMiDzpFneNlN+DcJkUo4GrMIGoMDkG
A1UdEQQyMDCHBH8AZAGHBH8AyAGHBH8AyQGHBH8AygGCCXByb2JlLmxhYoILKi5w
cm9iZS5sYWIwCQYDVR0TBAIwADALBgNVHQ8EBAMCB4AwEwYDVR0lBAwwCgYIKwYB
BQUHAwEwHQYDVR0OBBYEFJlEC2kTwmVTjv2ABeZ/X/N/3AavMB8GA1UdIwQYMBaA
FL0wjOTitWmBb8R6Z10oQMA2aS1dMAoGCCqGSM49BAMCA0gAMEUCIBP/wdCJo/SG
T9dpGLKYt5bmVFpapMHVazCODWFiPMYXAiEA0QunSTDQeumUHbHN0s8/gEdq0bm0
1UU6PfULMEpWSxE=
-----END CERTIFICATE-----
`;

/** The leaf's key: lab-only, see above. */
export const LAB_PROBE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLPs6SPDVf9tSFQq/
WjPwoKCQtnrOvZO5HJm39lXeLvyhRANCAASY/FsIcs2bhlkCa52pFn1T+r+gUNGw
NNnZg1vqKBHtC3q0lhS0kE8VuNEVQBps9q81ZJFMiDzpFneNlN+DcJkU
-----END PRIVATE KEY-----
`;
