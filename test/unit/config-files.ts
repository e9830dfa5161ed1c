/** The repo's real default playbook, atoms and org, parsed with their real schemas, as a catalog. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Catalog } from '../../bots/catalog/catalog.ts';
import { orgFileSchema } from '../../bots/catalog/org-file.ts';
import { type Atom, atomsFileSchema, type PlaybookFile, playbookFileSchema, type Rule } from '../../bots/catalog/schema.ts';
import type { Platform } from '../../core/types.ts';

const configPath = (name: string) => fileURLToPath(new URL(`../../config/${name}`, import.meta.url));

export function loadPlaybook(): PlaybookFile {
  return playbookFileSchema.parse(parse(readFileSync(configPath('playbooks.yaml'), 'utf8')));
}

export function loadAtoms(): Map<string, Atom> {
  const file = atomsFileSchema.parse(parse(readFileSync(configPath('atoms.yaml'), 'utf8')));
  return new Map(file.atoms.map((a) => [a.id, a]));
}

/** The default catalog, as a process would hold it after loading the files. */
export function loadCatalog(): Catalog {
  const org = orgFileSchema.parse(parse(readFileSync(configPath('org.yaml'), 'utf8')));
  const pb = loadPlaybook();
  return new Catalog({
    version: 1,
    people: org.people.map((p) => ({ id: p.id, name: p.name, role: p.role, teamId: p.team ?? null, manages: p.manages, active: true })),
    identities: org.people.flatMap((p) => Object.entries(p.ids).map(([platform, userId]) => ({ platform: platform as Platform, userId, personId: p.id }))),
    teams: org.teams,
    playbook: { funnel: pb.funnel, rules: pb.rules, compliance: pb.compliance, valueScore: pb.valueScore ?? null },
    atoms: [...loadAtoms().values()],
  });
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
