// Quectel Developer Center, App (end-user) OpenAPI, the home: the user's
// families (getFamilyList, getCurrentFamily), their rooms
// (getFamilyRoomList), the devices of a room or a family
// (getFamilyRoomDeviceList, getFamilyDeviceList) and the user's messages
// (userMsgList); and the scenes and automations of a family
// (selectSceneList, selectSceneDetail, sceneExecute, automation/list,
// automation/status). A scene's actions write property values to its
// devices, as a control call does.
import type { SimCore } from './core';
import { jsonObjectBody, positiveInt, type Answer, type Call, type Route } from './http';
import { checkWrite, deliver, isProblem, productOfKey, quectelAnswer, shadowOf } from './quectel';
import { APP_CODES, appUser, pageInfo } from './quectel-app';
import type { AppDevice, Family, Scene } from './state';

/** The codes of the family pages, besides the App table's general ones. */
export const HOME_CODES = {
  /** Family pages: "please enter the family ID". */
  FID_MISSING: 5618,
  /** Current family page: the coordinates are not "longitude,latitude". */
  COORDINATES: 5633,
  /** Room device page: "please enter the room ID". */
  FRID_MISSING: 5637,
  /** Room device page: the room could not be read (none of the user's families has it). */
  NO_ROOM: 6052,
} as const;

const ok = (data: unknown): Answer => quectelAnswer(APP_CODES.OK, '', data);
const badParam = (name: string, problem: string): Answer => quectelAnswer(APP_CODES.PARAM, `参数错误: ${name} ${problem}`);
const noPermission = (): Answer => quectelAnswer(APP_CODES.NO_PERMISSION, '无权限');

type Query = Record<string, string | undefined>;

/** page and pageSize as the pages describe them (defaults 1 and 10), or the refusal. */
function paging(q: Query): { page: number; pageSize: number } | Answer {
  const page = positiveInt(q.page, 1_000_000) ?? 1;
  if (Number.isNaN(page)) return badParam('page', 'must be a positive integer');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return badParam('pageSize', 'must be 1 to 1000');
  return { page, pageSize };
}

/** A boolean query parameter: undefined when absent, the refusal when neither true nor false. */
function flag(q: Query, name: string): boolean | undefined | Answer {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  return badParam(name, 'must be true or false');
}

const isAnswer = (x: unknown): x is Answer => typeof x === 'object' && x !== null && 'status' in x && 'body' in x;

/** A list of small numbers separated by commas, each from 1 to max: the numbers, or the refusal. */
function numberList(q: Query, name: string, max: number): number[] | undefined | Answer {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  const items = v.split(',').map((x) => x.trim());
  if (!items.every((x) => /^\d$/.test(x) && Number(x) >= 1 && Number(x) <= max)) return badParam(name, `must be numbers from 1 to ${max}, separated by commas`);
  return items.map(Number);
}

function familyOut(f: Family): Record<string, unknown> {
  const { fid, familyName, familyLocation, familyCoordinates, memberRole, addTime } = f;
  return { fid, familyName, familyLocation, familyCoordinates, memberRole, addTime, addTimeTs: addTime };
}

const userFamilies = (sim: SimCore, uid: string): Family[] => sim.state.families.filter((f) => f.uid === uid);

function currentOf(sim: SimCore, uid: string): Family | undefined {
  const mine = userFamilies(sim, uid);
  const fid = sim.state.currentFamily.get(uid);
  return mine.find((f) => f.fid === fid) ?? mine[0];
}

function getFamilyList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const p = paging(call.query);
  if (isAnswer(p)) return p;
  const roles = numberList(call.query, 'role', 3);
  if (isAnswer(roles)) return roles;
  const list = userFamilies(sim, uid).filter((f) => !roles || roles.includes(f.memberRole)).map(familyOut);
  return ok(pageInfo(list, p.page, p.pageSize));
}

function getCurrentFamily(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  if (q.currentCoordinates && !/^-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?$/.test(q.currentCoordinates)) {
    return quectelAnswer(HOME_CODES.COORDINATES, '坐标格式错误');
  }
  if (q.fid) {
    const named = userFamilies(sim, uid).find((f) => f.fid === q.fid);
    return named ? ok(familyOut(named)) : noPermission();
  }
  const current = currentOf(sim, uid);
  return ok(current ? familyOut(current) : null);
}

function getFamilyRoomList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  if (!q.fid) return quectelAnswer(HOME_CODES.FID_MISSING, '请输入家庭ID');
  if (!userFamilies(sim, uid).some((f) => f.fid === q.fid)) return noPermission();
  const p = paging(q);
  if (isAnswer(p)) return p;
  const rooms = sim.state.rooms.filter((r) => r.fid === q.fid).sort((a, b) => a.roomSort - b.roomSort)
    .map(({ frid, roomName, roomSort, addTime }) => ({ frid, roomName, roomSort, addTime }));
  return ok(pageInfo(rooms, p.page, p.pageSize));
}

/** A family's device as the family pages list it: the bound device with its family and room. */
function placedDevices(sim: SimCore, uid: string, fid: string): AppDevice[] {
  const out: AppDevice[] = [];
  for (const placed of sim.state.familyDevices.filter((d) => d.fid === fid)) {
    const device = sim.state.devices.find((d) => d.uid === uid && d.productKey === placed.productKey && d.deviceKey === placed.deviceKey);
    if (!device) continue;
    const room = placed.frid ? sim.state.rooms.find((r) => r.frid === placed.frid) : undefined;
    out.push({ ...device, fid, frid: room?.frid ?? '', roomName: room?.roomName ?? '' });
  }
  return out;
}

function getFamilyRoomDeviceList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  if (!q.frid) return quectelAnswer(HOME_CODES.FRID_MISSING, '请输入房间ID');
  const room = sim.state.rooms.find((r) => r.frid === q.frid);
  if (!room || !userFamilies(sim, uid).some((f) => f.fid === room.fid)) return quectelAnswer(HOME_CODES.NO_ROOM, '查询房间信息失败');
  const groups = flag(q, 'isGroupDeviceShow');
  if (isAnswer(groups)) return groups;
  const p = paging(q);
  if (isAnswer(p)) return p;
  return ok(pageInfo(placedDevices(sim, uid, room.fid).filter((d) => d.frid === room.frid), p.page, p.pageSize));
}

function getFamilyDeviceList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  if (!q.fid) return quectelAnswer(HOME_CODES.FID_MISSING, '请输入家庭ID');
  const fid = q.fid;
  if (!userFamilies(sim, uid).some((f) => f.fid === fid)) return noPermission();
  const flags: Record<string, boolean | undefined> = {};
  for (const name of ['isAddOwnerDevice', 'isAssociation', 'isGroupDeviceShow']) {
    const v = flag(q, name);
    if (isAnswer(v)) return v;
    flags[name] = v;
  }
  const p = paging(q);
  if (isAnswer(p)) return p;
  let list = placedDevices(sim, uid, fid);
  if (flags.isAddOwnerDevice) {
    // The user's own devices that no family of theirs holds yet, without a family.
    const inFamilies = new Set(sim.state.familyDevices.map((d) => `${d.productKey}/${d.deviceKey}`));
    list = [...list, ...sim.state.devices.filter((d) => d.uid === uid && !inFamilies.has(`${d.productKey}/${d.deviceKey}`))
      .map((d) => ({ ...d, fid: '', frid: '', roomName: '' }))];
  }
  // Associated: placed in a room of the family.
  if (flags.isAssociation) list = list.filter((d) => !d.frid);
  const pks = q.pkList ? q.pkList.split(',').map((pk) => pk.trim()).filter(Boolean) : [];
  list = list.filter((d) => (pks.length === 0 || pks.includes(d.productKey))
    && (!q.deviceName || d.deviceName.includes(q.deviceName))
    && (!q.secondItemCode || d.secondItemCode === q.secondItemCode));
  return ok(pageInfo(list, p.page, p.pageSize));
}

function userMsgList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  const isRead = flag(q, 'isRead');
  if (isAnswer(isRead)) return isRead;
  let msgType: number | undefined;
  if (q.msgType !== undefined && q.msgType !== '') {
    if (!/^[1-4]$/.test(q.msgType)) return badParam('msgType', 'must be 1 to 4');
    msgType = Number(q.msgType);
  }
  const first = numberList(q, 'firstLabelList', 3);
  if (isAnswer(first)) return first;
  const second = numberList(q, 'secondaryLabelList', 8);
  if (isAnswer(second)) return second;
  const p = paging(q);
  if (isAnswer(p)) return p;
  const list = sim.state.messages.filter((m) => m.uid === uid
    && (!q.pk || m.pk === q.pk) && (!q.dk || m.dk === q.dk)
    && (isRead === undefined || m.isRead === isRead)
    && (msgType === undefined || m.msgType === msgType)
    && (!first || first.includes(m.firstLabel))
    && (!second || second.includes(m.secondaryLabel)))
    .map(({ uid: _uid, ...rest }) => rest);
  return ok(pageInfo(list, p.page, p.pageSize));
}

// ---- Scenes and automations: family mode is on, so each call names its family ----

/** The family a scene call names (fid in the query or the body), or the refusal. */
function sceneFamily(sim: SimCore, uid: string, fid: unknown): string | Answer {
  if (typeof fid !== 'string' || fid === '') return quectelAnswer(HOME_CODES.FID_MISSING, '请输入家庭ID');
  return userFamilies(sim, uid).some((f) => f.fid === fid) ? fid : noPermission();
}

function sceneOut(sim: SimCore, s: Scene): Record<string, unknown> {
  const metaDataList = s.actions.map((a) => {
    const device = sim.state.devices.find((d) => d.productKey === a.productKey && d.deviceKey === a.deviceKey);
    return {
      productKey: a.productKey, deviceKey: a.deviceKey, deviceName: device?.deviceName ?? '', deviceType: 1, logoImage: '',
      actionList: Object.entries(a.values).map(([code, value], i) => ({ actionId: i + 1, code, value, type: 'PROPERTY', subType: 'RW' })),
    };
  });
  return { fid: s.fid, isCommon: s.isCommon, sceneInfo: { id: s.id, sceneId: s.sceneId, name: s.name, icon: '', uid: s.uid, metaDataList } };
}

function selectSceneList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const fid = sceneFamily(sim, uid, call.query.fid);
  if (typeof fid !== 'string') return fid;
  const p = paging(call.query);
  if (isAnswer(p)) return p;
  const name = call.query.sceneName;
  const list = sim.state.scenes.filter((s) => s.uid === uid && s.fid === fid && (!name || s.name.includes(name))).map((s) => sceneOut(sim, s));
  return ok(pageInfo(list, p.page, p.pageSize));
}

function selectSceneDetail(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  if (!call.query.sceneId) return badParam('sceneId', 'is missing');
  const fid = sceneFamily(sim, uid, call.query.fid);
  if (typeof fid !== 'string') return fid;
  const scene = sim.state.scenes.find((s) => s.uid === uid && s.fid === fid && s.sceneId === call.query.sceneId);
  return scene ? ok(sceneOut(sim, scene)) : noPermission();
}

function sceneExecute(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const parsed = jsonObjectBody(call);
  if (!parsed.ok) return badParam('body', parsed.reason);
  const { sceneId } = parsed.value;
  if (typeof sceneId !== 'string' || sceneId === '') return badParam('sceneId', 'is missing');
  const fid = sceneFamily(sim, uid, parsed.value.fid);
  if (typeof fid !== 'string') return fid;
  const scene = sim.state.scenes.find((s) => s.uid === uid && s.fid === fid && s.sceneId === sceneId);
  if (!scene) return noPermission();
  const failActionList: Record<string, unknown>[] = [];
  for (const a of scene.actions) {
    const device = sim.state.devices.find((d) => d.uid === uid && d.productKey === a.productKey && d.deviceKey === a.deviceKey);
    const shadow = device ? shadowOf(sim, a.productKey, a.deviceKey) : undefined;
    const product = productOfKey(sim, a.productKey);
    let reason: string | undefined;
    if (!device || !shadow || !product) reason = '设备未绑定或无权限';
    else {
      const kv = checkWrite(product, a.values);
      const sent = isProblem(kv) ? kv : deliver(sim, shadow, { kind: 'property', kv }, { isCache: false, cacheTimeSeconds: 0, isCover: false });
      if (isProblem(sent)) reason = sent.problem === 'offline' ? '设备离线' : sent.detail;
    }
    if (reason) failActionList.push({ productKey: a.productKey, deviceKey: a.deviceKey, deviceName: device?.deviceName ?? '', deviceType: 1, logoImage: '', reason });
  }
  return ok({
    callType: 'manual', executeResult: failActionList.length === 0, executeTime: sim.now(), executionId: sim.now(),
    failActionList, failCount: failActionList.length, successCount: scene.actions.length - failActionList.length,
  });
}

function automationList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  // Both page fields are required here.
  if (!call.query.page) return badParam('page', 'is missing');
  if (!call.query.pageSize) return badParam('pageSize', 'is missing');
  const fid = sceneFamily(sim, uid, call.query.fid);
  if (typeof fid !== 'string') return fid;
  const p = paging(call.query);
  if (isAnswer(p)) return p;
  const list = sim.state.automations.filter((a) => a.uid === uid && a.fid === fid)
    .map(({ automationId, name, status, conditionType }) => ({ automationId, name, nameType: 2, status, conditionType, triggerList: [], actionList: [] }));
  return ok(pageInfo(list, p.page, p.pageSize));
}

function automationStatus(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  if (!q.automationId) return badParam('automationId', 'is missing');
  if (!/^\d{1,18}$/.test(q.automationId)) return badParam('automationId', 'is not a number');
  const status = flag(q, 'status');
  if (isAnswer(status)) return status;
  if (status === undefined) return badParam('status', 'is missing');
  const parsed = call.rawBody.trim() === '' ? { ok: true as const, value: {} as Record<string, unknown> } : jsonObjectBody(call);
  if (!parsed.ok) return badParam('body', parsed.reason);
  const fid = sceneFamily(sim, uid, parsed.value.fid);
  if (typeof fid !== 'string') return fid;
  const automation = sim.state.automations.find((a) => a.uid === uid && a.fid === fid && a.automationId === Number(q.automationId));
  if (!automation) return noPermission();
  automation.status = status;
  return ok(null);
}

export const quectelHomeRoutes: Route[] = [
  { path: '/v2/cep/enduserapi/selectSceneList', methods: { GET: selectSceneList } },
  { path: '/v2/cep/enduserapi/selectSceneDetail', methods: { GET: selectSceneDetail } },
  { path: '/v2/cep/enduserapi/sceneExecute', methods: { POST: sceneExecute } },
  { path: '/v2/cep/enduserapi/automation/list', methods: { GET: automationList } },
  { path: '/v2/cep/enduserapi/automation/status', methods: { POST: automationStatus } },
  { path: '/v2/family/enduserapi/getFamilyList', methods: { GET: getFamilyList } },
  { path: '/v2/family/enduserapi/getCurrentFamily', methods: { GET: getCurrentFamily } },
  { path: '/v2/family/enduserapi/getFamilyRoomList', methods: { GET: getFamilyRoomList } },
  { path: '/v2/family/enduserapi/getFamilyRoomDeviceList', methods: { GET: getFamilyRoomDeviceList } },
  { path: '/v2/family/enduserapi/getFamilyDeviceList', methods: { GET: getFamilyDeviceList } },
  { path: '/v2/mobilepush/enduserapi/userMsgList', methods: { GET: userMsgList } },
];
