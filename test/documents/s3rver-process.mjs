// s3rver in a process of its own, with OpenSSL's legacy provider: its continuation tokens (the
// second page of a listing) are DES, which Node 20's OpenSSL 3 refuses without it. The tests'
// own process keeps the default provider. Prints the port once listening; stops on SIGTERM.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
