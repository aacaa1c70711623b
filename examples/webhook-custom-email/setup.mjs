// Creates the webhook the receiver expects and prints the environment to start it with.
//
//   TESSERA_KEY=… node examples/webhook-custom-email/setup.mjs http://receiver.example.com:4000/
//
// The API key needs webhooks.write (the default key has every scope).
import { Client, ID, Webhooks } from 'node-appwrite';

const url = process.argv[2] ?? 'http://localhost:4000/';
const env = process.env;
if (!env.TESSERA_KEY) throw new Error('set TESSERA_KEY to an API key with webhooks.write');
const client = new Client()
  .setEndpoint(env.TESSERA_ENDPOINT ?? 'http://localhost:8080/v1')
  .setProject(env.TESSERA_PROJECT ?? 'default')
  .setKey(env.TESSERA_KEY);

const webhook = await new Webhooks(client).create({
  webhookId: ID.unique(),
  url,
  name: 'Custom verification mail',
  events: ['users.*.verification.*.create'],
});
// The signing secret is shown only now (or after webhooks.updateSecret).
console.log(`WEBHOOK_URL=${webhook.url}\nWEBHOOK_SECRET=${webhook.secret}`);
