// Runs compose/postgres/10-clickstream.sh the way the postgres image runs it (psql as the
// superuser) on a machine without psql: the script's `-v name="$VAR"` options become literals
// quoted as psql's :'name' quotes them, its heredoc is the SQL, and `\connect <db>` switches the
// database. Only what that script uses; anything else in it fails here loudly.
import { readFileSync } from 'node:fs';
import { createPool } from '@clickstream/infra/postgres';

/** PostgreSQL's quoting of a string literal (what psql does for :'name'). */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export async function runPsqlScript(
  path: string,
  env: Readonly<Record<string, string>>,
  superuserUrl: (database: string) => string,
): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const variables: Record<string, string> = {};
  for (const m of text.matchAll(/-v (\w+)="\$(\w+)"/g)) {
    const value = env[m[2] as string];
    if (value === undefined || value === '') throw new Error(`${path}: ${m[2]} is not in the environment`);
    variables[m[1] as string] = value;
  }
  const sql = /<<'SQL'\n([\s\S]*?)\nSQL\n/.exec(text)?.[1];
  if (!sql) throw new Error(`${path}: no <<'SQL' heredoc`);
  let database = /--dbname (\w+)/.exec(text)?.[1] ?? 'postgres';
  let statements = '';
  const flush = async () => {
    if (statements.trim() === '') return;
    const pool = createPool(superuserUrl(database), { max: 1 });
    try {
      // One statement at a time: CREATE DATABASE cannot run inside a multi-statement transaction.
      for (const statement of statements
        .split(/;\s*$/m)
        .filter((s) => s.replace(/--.*$/gm, '').trim() !== ''))
        await pool.query(statement);
    } finally {
      await pool.end();
    }
    statements = '';
  };
  for (const line of sql.split('\n')) {
    const connect = /^\\connect (\w+)$/.exec(line);
    if (connect) {
      await flush();
      database = connect[1] as string;
    } else if (line.startsWith('\\')) throw new Error(`${path}: psql command ${line} is not supported here`);
    else
      statements += `${line.replace(/:'(\w+)'/g, (_, name: string) => {
        const value = variables[name];
        if (value === undefined) throw new Error(`${path}: :'${name}' has no -v`);
        return literal(value);
      })}\n`;
  }
  await flush();
}
