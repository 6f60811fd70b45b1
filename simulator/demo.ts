// The demo accounts the simulator knows. They are the vendor documents' own
// example values where the documents give any, so the documents' examples
// can be replayed against the simulator as they are.
export const DEMO = {
  quectelApp: {
    userDomain: 'C.DM.10271.5',
    userDomainSecret: '57Fk69oYgbs2aWWN362NtZwYB2RqKNqQ7yZESnF5VM22',
    phone: '17132136550',
    password: 'china1234',
    /** The same user's email, for emailPwdLogin (the documents give no example address). */
    email: 'demo.user@example.com',
    internationalCode: '86',
  },
  quectelSaas: {
    accessKey: '24b9zicjuns41H6MDg71AMnP',
    accessSecret: '6AE3p2SnA9ShP7ofigrccoeeks8DDoteJ1jUUTEz',
  },
  onbright: {
    clientId: 'demo-client',
    clientSecret: 'demo-client-secret',
    uniqueKey: 'demo-unique-key',
    /** A second company served by the same client: its own uniqueKey, its own tokens. */
    secondUniqueKey: 'demo-unique-key-b',
  },
  novastar: {
    pId: 'YmRj',
    secretKey: 'abcdefgh',
  },
  smsCode: '123456',
} as const;
