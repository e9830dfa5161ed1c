/** The repo's real default playbook and atoms, parsed with their real schemas. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { atomsFileSchema, playbookFileSchema, type Atom, type PlaybookFile, type Rule } from '../../bots/playbook/schema.ts';

const configPath = (name: string) => fileURLToPath(new URL(`../../config/${name}`, import.meta.url));

export function loadPlaybook(): PlaybookFile {
  return playbookFileSchema.parse(parse(readFileSync(configPath('playbooks.yaml'), 'utf8')));
}

export function loadAtoms(): Map<string, Atom> {
  const file = atomsFileSchema.parse(parse(readFileSync(configPath('atoms.yaml'), 'utf8')));
  return new Map(file.atoms.map((a) => [a.id, a]));
}

export function ruleById(playbook: PlaybookFile, id: string): Rule {
  const rule = playbook.rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in config/playbooks.yaml`);
  return rule;
}

export function atomById(atoms: ReadonlyMap<string, Atom>, id: string): Atom {
  const atom = atoms.get(id);
  if (!atom) throw new Error(`no atom ${id} in config/atoms.yaml`);
  return atom;
}
