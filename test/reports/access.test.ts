import { describe, expect, it } from 'vitest';
import { canSeeDeal, canSeeRep, dealScope, visibleTeamIds } from '../../bots/reports/access.ts';
import type { Viewer } from '../../bots/reports/access.ts';

const rep: Viewer = { id: 'zhangsan', role: 'rep', teamId: 'east', manages: [], active: true };
const manager: Viewer = { id: 'wangjing', role: 'manager', teamId: 'east', manages: ['south'], active: true };
const admin: Viewer = { id: 'ops', role: 'admin', teamId: null, manages: [], active: true };
const gone: Viewer = { ...manager, id: 'former', active: false };

describe('access', () => {
  it('a manager sees the teams they manage and their own; an admin all; a rep none', () => {
    expect([...(visibleTeamIds(manager) as string[])].sort()).toEqual(['east', 'south']);
    expect(visibleTeamIds({ ...manager, manages: ['east'] })).toEqual(['east']);
    expect(visibleTeamIds(admin)).toBe('all');
    expect(visibleTeamIds(rep)).toEqual([]);
    expect(visibleTeamIds(gone)).toEqual([]);
  });

  it('rep summaries: a rep sees only themselves, a manager their teams', () => {
    expect(canSeeRep(rep, { id: 'zhangsan', teamId: 'east' })).toBe(true);
    expect(canSeeRep(rep, { id: 'lisi', teamId: 'east' })).toBe(false);
    expect(canSeeRep(manager, { id: 'lisi', teamId: 'east' })).toBe(true);
    expect(canSeeRep(manager, { id: 'zhaomin', teamId: 'north' })).toBe(false);
    expect(canSeeRep(admin, { id: 'zhaomin', teamId: 'north' })).toBe(true);
    expect(canSeeRep(gone, { id: 'lisi', teamId: 'east' })).toBe(false);
  });

  it('deals: a rep searches their own, a manager their teams, an admin all', () => {
    expect(dealScope(rep)).toEqual({ ownerId: 'zhangsan' });
    expect(dealScope(manager)).toEqual({ teamIds: ['south', 'east'] });
    expect(dealScope(admin)).toEqual({ all: true });
    expect(dealScope(gone)).toEqual({ teamIds: [] });
    expect(canSeeDeal(rep, { ownerId: 'zhangsan', ownerTeamId: 'east' })).toBe(true);
    expect(canSeeDeal(rep, { ownerId: 'lisi', ownerTeamId: 'east' })).toBe(false);
    expect(canSeeDeal(manager, { ownerId: 'zhaomin', ownerTeamId: 'north' })).toBe(false);
    expect(canSeeDeal(manager, { ownerId: 'x', ownerTeamId: 'south' })).toBe(true);
    expect(canSeeDeal(admin, { ownerId: null, ownerTeamId: null })).toBe(true);
  });
});
