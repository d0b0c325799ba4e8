import { readFile } from 'node:fs/promises';
import { describeError } from '../../config-reloader.errors.js';
import type { EtcdConnectionOptions } from '../../sources/etcd/etcd-client.js';
import { credentialsInUrls } from '../../sources/etcd-hosts.js';
import { cliMessages } from '../shared/cli.messages.js';
import { CliFailure, ExitCode } from '../shared/cli-output.js';
import type { EtcdFlags } from './etcd.flags.js';

/** What the client signs in with and trusts: from the flags, the environment or the URLs. */
export type EtcdAccess = Pick<EtcdConnectionOptions, 'auth' | 'tls'>;

/**
 * The user comes from `--user` / `ETCD_USER`, else from the URLs' user-info; the password from
 * `--password-file` / `ETCD_PASSWORD_FILE`, else `ETCD_PASSWORD`, else the URLs. There is no
 * `--password` flag: a command line is visible to every user of the machine in `ps`.
 * Files are read here, before etcd is called: one that cannot be read exits 3, naming it.
 */
export async function etcdAccessOf(
  flags: EtcdFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EtcdAccess> {
  const inUrls = credentialsInUrls(flags.etcd);
  const user = nonEmpty(flags.user);
  if (user?.includes(':')) throw new CliFailure(ExitCode.Usage, cliMessages.passwordInUser());
  const passwordFile = nonEmpty(flags.passwordFile);
  const password = passwordFile
    ? await readPassword(passwordFile)
    : (nonEmpty(env.ETCD_PASSWORD) ?? passwordInUrls(inUrls, user));
  const username = user ?? inUrls?.username;
  if (password !== undefined && username === undefined) {
    throw new CliFailure(ExitCode.Usage, cliMessages.passwordWithoutUser());
  }
  if (username !== undefined && password === undefined) {
    throw new CliFailure(ExitCode.Usage, cliMessages.userWithoutPassword(username));
  }
  const auth = username !== undefined ? { username, password: password ?? '' } : undefined;
  return { auth, tls: await tlsOf(flags) };
}

/** The URLs' password, when it belongs to the user signing in. */
function passwordInUrls(
  inUrls: { username: string; password: string } | undefined,
  user: string | undefined,
): string | undefined {
  if (inUrls === undefined || (user !== undefined && user !== inUrls.username)) return undefined;
  return nonEmpty(inUrls.password);
}

async function tlsOf(flags: EtcdFlags): Promise<EtcdAccess['tls']> {
  const [cacert, cert, keyFile] = [flags.cacert, flags.cert, flags.keyFile].map(nonEmpty);
  if ((cert === undefined) !== (keyFile === undefined)) {
    throw new CliFailure(ExitCode.Usage, cliMessages.certWithoutKey());
  }
  if (cacert === undefined && cert === undefined) return undefined;
  return {
    ca: cacert && (await readPem(cacert, '--cacert', 'CA certificate')),
    cert: cert && (await readPem(cert, '--cert', 'client certificate')),
    key: keyFile && (await readPem(keyFile, '--key-file', 'client key')),
  };
}

async function readPem(file: string, flag: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new CliFailure(
      ExitCode.Io,
      cliMessages.unreadableFile(what, flag, file, describeError(error)),
    );
  }
}

/** The file's text: `echo secret > file` leaves a trailing newline that is no part of it. */
async function readPassword(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliFailure(
      ExitCode.Io,
      cliMessages.unreadableFile('password file', '--password-file', file, describeError(error)),
    );
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0) throw new CliFailure(ExitCode.Io, cliMessages.emptyPasswordFile(file));
  return password;
}

/** An environment variable set to '' counts as not set. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
