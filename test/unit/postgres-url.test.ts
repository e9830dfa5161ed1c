import { describe, expect, it } from 'vitest';
import { postgresTarget, socketHostValid } from '../../core/postgres-url.ts';

describe('postgresTarget: a Unix socket named as libpq names it', () => {
  it('leaves a TCP URL as it is, with no socket', () => {
    expect(postgresTarget('postgres://u:pw@127.0.0.1:5432/db?sslmode=disable')).toEqual({ url: 'postgres://u:pw@127.0.0.1:5432/db?sslmode=disable' });
  });

  it("turns the host parameter into the socket's path for the URL's port, and keeps the other parameters", () => {
    expect(postgresTarget('postgres://u:pw@localhost/db?host=/var/run/postgresql')).toEqual({
      url: 'postgres://u:pw@localhost/db',
      path: '/var/run/postgresql/.s.PGSQL.5432',
    });
    expect(postgresTarget('postgresql://u@localhost:6543/db?sslmode=disable&host=/tmp/')).toEqual({
      url: 'postgresql://u@localhost:6543/db?sslmode=disable',
      path: '/tmp/.s.PGSQL.6543',
    });
  });

  it('refuses a host parameter that is not a directory (postgres.js would send it to the server as a setting)', () => {
    expect(socketHostValid('postgres://u@localhost/db?host=db.internal')).toBe(false);
    expect(socketHostValid('postgres://u@localhost/db?host=/run/pg')).toBe(true);
    expect(socketHostValid('postgres://u@localhost/db')).toBe(true);
    expect(() => postgresTarget('postgres://u:hunter2@localhost/db?host=db.internal')).toThrow(/socket directory/);
    expect(() => postgresTarget('postgres://u:hunter2@localhost/db?host=db.internal')).not.toThrow(/hunter2/);
  });
});
