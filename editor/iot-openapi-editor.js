// The editor side shared by every node of the package. The build puts the
// data made from the catalogue (window.iotOpenApiEditorData) in front of this
// file and serves both as resources/iot-openapi-editor.js; each node's .html
// loads it before registering its type. Loaded once per node file: the first
// load defines everything.
(function () {
    'use strict';
    if (window.iotOpenApiEditor) {
        return;
    }

    var DATA = window.iotOpenApiEditorData;
    var NS = '@iot-openapi/node-red-nodes/iot-openapi-account';
    var PLATFORMS = DATA.platforms;
    var PER_MESSAGE = ['msg', 'flow', 'global', 'env'];
    var METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
    var SECRET = 'cred';
    var CHOICE = 'choice';

    // Texts shared by every node of the package, and the account editor's own texts.
    function shared(key, opts) { return RED._(NS + ':iot-openapi.' + key, opts); }
    function own(key, opts) { return RED._(NS + ':iot-openapi-account.' + key, opts); }
    // A text of a node's own catalogue (its namespace is <package>/<node type>), or undefined when it has none.
    function nodeText(type, key, opts) {
        var full = type + '.' + key;
        var found = RED._('@iot-openapi/node-red-nodes/' + type + ':' + full, opts);
        return found && found.indexOf(full) === -1 ? found : undefined;
    }

    function platformLabel(platform) {
        return PLATFORMS.indexOf(platform) !== -1 ? shared('platform.' + platform) : String(platform || '');
    }

    function accountPlatform(id) {
        var account = id ? RED.nodes.node(id) : null;
        return account && account.type === 'iot-openapi-account' ? account.platform : '';
    }

    // The form's value while this node is open in the editor, else the saved value:
    // validators also run for nodes that are not being edited.
    function current(node, id, saved) {
        var el = $('#' + id);
        var stack = RED.editor && typeof RED.editor.getEditStack === 'function' ? RED.editor.getEditStack() : null;
        if (el.length && (!stack || stack.indexOf(node) !== -1)) {
            return el.val();
        }
        return saved;
    }

    // ---- an account's credentials ---------------------------------------------

    // What the runtime holds for each account not opened in this editor, from Node-RED's own
    // credentials route (texts as they are, has_<name> for secrets): undefined until asked,
    // null while asking. An imported account is not known to the runtime: it holds nothing.
    var stored = {};

    function accountName(account) {
        return account.name || platformLabel(account.platform);
    }

    // Checks again the account and every node using it, once the runtime has answered.
    function revalidate(account) {
        if (!RED.editor || typeof RED.editor.validateNode !== 'function') {
            return;
        }
        RED.editor.validateNode(account);
        RED.nodes.eachNode(function (n) {
            if (n.account === account.id) {
                RED.editor.validateNode(n);
            }
        });
        if (RED.view && RED.view.redraw) {
            RED.view.redraw(true);
        }
    }

    function credentialsOf(account) {
        if (account.credentials) {
            return account.credentials;
        }
        if (stored[account.id] === undefined) {
            stored[account.id] = null;
            $.ajax({ url: 'credentials/iot-openapi-account/' + encodeURIComponent(account.id), dataType: 'json' })
                .done(function (data) { stored[account.id] = data || {}; })
                .fail(function () { stored[account.id] = false; })
                .always(function () { revalidate(account); });
        }
        return stored[account.id];
    }

    // A deploy changes what the runtime holds: ask again.
    if (RED.events && RED.events.on) {
        RED.events.on('deploy', function () { stored = {}; });
    }

    // The credentials the account needs and lacks, by name; [] while that is not known yet.
    function missingCredentials(account) {
        var platform = current(account, 'node-config-input-platform', account.platform);
        var loginBy = current(account, 'node-config-input-loginBy', account.loginBy) || 'phone';
        var fields = (DATA.credentials[platform] || []).filter(function (f) { return !f.loginBy || f.loginBy === loginBy; });
        var open = $('#node-config-input-platform').length && RED.editor && typeof RED.editor.getEditStack === 'function' &&
            RED.editor.getEditStack().indexOf(account) !== -1;
        var creds = open ? null : credentialsOf(account);
        if (!open && !creds) {
            return [];
        }
        return fields.filter(function (f) {
            if (open) {
                // an unchanged secret shows Node-RED's placeholder: it is there
                return String($('#node-config-input-' + f.name).val() || '') === '';
            }
            var v = creds[f.name];
            return !(creds['has_' + f.name] === true || (typeof v === 'string' && v !== '') || typeof v === 'number');
        }).map(function (f) { return f.name; });
    }

    // The account's reason for being unusable without its credentials, or true.
    function checkCredentials(account) {
        var missing = missingCredentials(account);
        return missing.length ? own('editor.noCredentials', { name: accountName(account), fields: missing.join(', ') }) : true;
    }

    function validateAccount(value, platforms) {
        if (!value || value === '_ADD_') {
            return shared('errors.noAccount');
        }
        var account = RED.nodes.node(value);
        if (!account || account.type !== 'iot-openapi-account') {
            return own('editor.accountMissing');
        }
        if (platforms && platforms.indexOf(account.platform) === -1) {
            return own('editor.wrongPlatform', {
                expected: platforms.map(platformLabel).join(' / '),
                platform: platformLabel(account.platform)
            });
        }
        var credentials = checkCredentials(account);
        if (credentials !== true) {
            return credentials;
        }
        if (account.valid === false) {
            return own('editor.accountInvalid');
        }
        return true;
    }

    // Rows carry data-<attr>="a b c"; a row shows when value is one of them.
    function showRows(form, attr, value) {
        $(form).find('[data-' + attr + ']').each(function () {
            var list = String($(this).attr('data-' + attr)).split(/\s+/);
            $(this).toggle(list.indexOf(value) !== -1);
        });
    }

    // ---- action nodes --------------------------------------------------------

    // Where a node stands: its operation and the platform of its account (without
    // an account, the first platform the node works with, so only fields that apply show).
    function where(spec, node) {
        var operations = Object.keys(spec.operations);
        var operation = operations.length > 1 ? current(node, 'node-input-operation', node.operation) : operations[0];
        if (operations.indexOf(operation) === -1) {
            operation = operations[0];
        }
        var platform = accountPlatform(current(node, 'node-input-account', node.account));
        if (spec.platforms.indexOf(platform) === -1) {
            platform = spec.platforms[0];
        }
        return { operation: operation, platform: platform };
    }

    function ruleFor(spec, param, node) {
        var at = where(spec, node);
        return param.rules[at.operation + '@' + at.platform];
    }

    function choiceLabel(type, param, value) {
        return nodeText(type, 'choice.' + param.prop + '.' + value) || String(value);
    }

    // Checks one setting against the catalogue's rule where the node stands. Empty
    // means "not set": a required parameter (marked *) may still come on msg.payload,
    // so only a value that is set can make the node invalid. Values from a message
    // or context are checked when the message comes.
    function validateParam(spec, node, param, value) {
        var rule = ruleFor(spec, param, node);
        if (!rule) {
            return true;
        }
        var type = current(node, 'node-input-' + param.prop + 'Type', node[param.prop + 'Type']) || param.defaultType;
        var name = param.name;
        var text = value === undefined || value === null ? '' : String(value).trim();
        if (type === SECRET) {
            return true;
        }
        if (text === '') {
            return true;
        }
        if (type === 'msg' || type === 'flow' || type === 'global') {
            // flow and global may name a context store first: #:(store)::key
            var expr = type === 'msg' ? text : text.replace(/^#:\([^)]*\)::/, '');
            var ok = RED.utils && RED.utils.validatePropertyExpression ? RED.utils.validatePropertyExpression(expr) : true;
            return ok === true ? true : own('editor.badProperty', { parameter: name });
        }
        if (type === 'env') {
            return true;
        }
        if (type === 'json') {
            var parsed;
            try {
                parsed = JSON.parse(text);
            } catch (err) {
                return own('editor.badJson', { parameter: name });
            }
            if (param.kind === 'array' && !Array.isArray(parsed)) {
                return shared('errors.type', { parameter: name, expected: own('editor.array') });
            }
            return true;
        }
        if (rule.enum && rule.enum.map(String).indexOf(text) === -1) {
            return shared('errors.enum', { parameter: name, values: rule.enum.join(', ') });
        }
        if (param.kind === 'integer') {
            if (!/^[+-]?\d+$/.test(text)) {
                return shared('errors.type', { parameter: name, expected: own('editor.integer') });
            }
            var n = Number(text);
            if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
                return shared('errors.range', { parameter: name, min: rule.min, max: rule.max });
            }
        }
        if (param.kind === 'string') {
            if (rule.maxLength !== undefined && text.length > rule.maxLength) {
                return shared('errors.tooLong', { parameter: name, limit: rule.maxLength });
            }
            if (rule.minLength !== undefined && text.length < rule.minLength) {
                return shared('errors.tooShort', { parameter: name, limit: rule.minLength });
            }
            if (rule.pattern && !new RegExp(rule.pattern).test(text)) {
                return shared('errors.pattern', { parameter: name });
            }
        }
        return true;
    }

    // Node-RED's own JSON type marks an empty value as an error; here empty means "not set".
    var jsonType = {
        value: 'json',
        label: 'JSON',
        icon: 'red/images/typedInput/json.svg',
        validate: function (v, opt) {
            if (v === '' || v === undefined) {
                return true;
            }
            try {
                JSON.parse(v);
                return true;
            } catch (err) {
                return false;
            }
        },
        expand: function () {
            var that = this;
            var value = this.value();
            try {
                value = JSON.stringify(JSON.parse(value), null, 4);
            } catch (err) {
                // leave it as typed so the user can fix it
            }
            RED.editor.editJSON({
                value: value,
                complete: function (v) {
                    try {
                        v = JSON.stringify(JSON.parse(v));
                    } catch (err) {
                        // keep the text; the validator shows what is wrong
                    }
                    that.value(v);
                }
            });
        }
    };

    // A password kept as the node's credential, typed into a password field.
    function secretType() {
        return { value: SECRET, label: shared('type.secret'), icon: 'fa fa-lock', inputType: 'password' };
    }

    // The types a parameter's input offers: a list of words where the catalogue
    // has fixed values, a secret for a password, else text, number or JSON; a
    // message, context or environment value always.
    function typesFor(spec, param) {
        var values = [];
        Object.keys(param.rules).forEach(function (key) {
            (param.rules[key].enum || []).forEach(function (v) {
                if (values.indexOf(v) === -1) {
                    values.push(v);
                }
            });
        });
        var types = [];
        if (values.length) {
            types.push({
                value: CHOICE,
                label: shared('type.choice'),
                icon: 'fa fa-list',
                options: values.map(function (v) { return { value: String(v), label: choiceLabel(spec.type, param, v) }; })
            });
        }
        if (param.secret) {
            types.push(secretType());
        } else if (param.kind === 'integer') {
            types.push('num', 'str');
        } else if (param.kind === 'string') {
            types.push('str', 'num', jsonType);
        } else {
            types.push(jsonType);
        }
        return types.concat(PER_MESSAGE);
    }

    function markRequired(label, on) {
        label.find('.iot-openapi-required').remove();
        if (on) {
            $('<span class="iot-openapi-required"> *</span>').appendTo(label);
        }
    }

    // A date field beside an epoch-milliseconds parameter: it fills the number, and shows it.
    function prepareDate(param) {
        var input = $('#node-input-' + param.prop);
        var date = $('#iot-openapi-date-' + param.prop);
        var pad = function (n) { return (n < 10 ? '0' : '') + n; };
        var show = function () {
            var type = input.typedInput('type');
            var ms = Number(input.typedInput('value'));
            date.parent().toggle(type === 'str' || type === 'num');
            if (input.typedInput('value') !== '' && isFinite(ms)) {
                var d = new Date(ms);
                date.val(d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' +
                    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()));
            }
        };
        date.on('change', function () {
            var ms = new Date(date.val()).getTime();
            if (isFinite(ms)) {
                input.typedInput('value', String(ms));
            }
        });
        input.on('change', show);
        show();
    }

    // A password: kept as the node's credential ("secret", the default), or read from a
    // message, context or the environment. A password an older version saved as text stays
    // readable as text, with an offer to keep it as a secret.
    function prepareSecret(node, param, input) {
        var saved = $('#node-input-' + param.credential);
        var plain = !!node[param.prop] && (!node[param.prop + 'Type'] || node[param.prop + 'Type'] === 'str');
        var types = [secretType()].concat(PER_MESSAGE);
        input.typedInput('types', plain ? types.concat(['str']) : types);
        var type = plain ? 'str' : (PER_MESSAGE.indexOf(node[param.prop + 'Type']) !== -1 ? node[param.prop + 'Type'] : SECRET);
        input.typedInput('type', type);
        // Node-RED fills the credential's field with a placeholder when a secret is saved.
        var stored = saved.val();
        input.typedInput('value', type === SECRET ? stored : node[param.prop]);
        var row = input.closest('.form-row');
        var offer = $('<div class="form-row form-tips"></div>').attr('id', 'iot-openapi-plain-' + param.prop).insertAfter(row).toggle(plain);
        $('<span></span>').text(shared('secret.plain') + ' ').appendTo(offer);
        $('<button type="button" class="red-ui-button red-ui-button-small"></button>').attr('id', 'iot-openapi-move-' + param.prop).text(shared('secret.move')).appendTo(offer)
            .on('click', function (event) {
                event.preventDefault();
                var text = input.typedInput('value');
                input.typedInput('types', types);
                input.typedInput('type', SECRET);
                input.typedInput('value', text);
                offer.hide();
            });
        var previous = type;
        input.on('change', function () {
            var now = input.typedInput('type');
            if (now === previous) {
                return;
            }
            // A property name is no password, and a password must not show as a property name;
            // a password saved as text keeps its value when it becomes a secret.
            if (now === SECRET && previous !== 'str') {
                input.typedInput('value', stored);
            } else if (now !== SECRET && previous !== 'str') {
                input.typedInput('value', '');
            }
            previous = now;
            offer.toggle(now === 'str');
        });
    }

    // Before the form is read: a secret goes to the credential and leaves the setting
    // empty; any other choice empties the credential, so no password stays behind.
    function saveSecret(param) {
        var input = $('#node-input-' + param.prop);
        if (input.typedInput('type') === SECRET) {
            $('#node-input-' + param.credential).val(input.typedInput('value'));
            input.typedInput('value', '');
        } else {
            $('#node-input-' + param.credential).val('');
        }
    }

    // Asks the runtime for a picker's list. An account changed or added in this editor is read
    // with its values here, as Test connection does; else the deployed account's own.
    function pickRequest(account, list, context) {
        var body = { account: account, list: list, params: context };
        var held = account ? RED.nodes.node(account) : null;
        if (held && held.type === 'iot-openapi-account' && held.credentials) {
            body.settings = { platform: held.platform, name: held.name };
            DATA.account.settings.forEach(function (setting) {
                if (held[setting.name] !== undefined) {
                    body.settings[setting.name] = held[setting.name];
                }
            });
            body.credentials = {};
            (DATA.credentials[held.platform] || []).forEach(function (field) {
                var v = held.credentials[field.name];
                if (typeof v === 'string' && v !== '') {
                    body.credentials[field.name] = v;
                } else if (field.secret && held.credentials['has_' + field.name]) {
                    // Node-RED's placeholder: the runtime takes the stored secret, for the same saved account only
                    body.credentials[field.name] = '__PWRD__';
                }
            });
        }
        return $.ajax({
            url: 'iot-openapi-account/pick',
            type: 'POST',
            contentType: 'application/json',
            dataType: 'json',
            headers: { 'Accept-Language': RED.i18n.lang() },
            data: JSON.stringify(body)
        });
    }

    // Why a list could not be read, from the runtime's answer.
    function pickFailure(answer) {
        if (!answer || answer.code === undefined) {
            return (answer && answer.message) || shared('picker.failed');
        }
        if (answer.code === 'INVALID_INPUT' && !answer.hint) {
            return answer.message;
        }
        return shared(answer.hint ? 'picker.failedHint' : 'picker.failedWhy', { code: answer.code, message: answer.message || '', hint: answer.hint || '' });
    }

    // The values the form holds as plain text or numbers (a product for its devices or its thing model).
    function formContext(spec, except) {
        var context = {};
        spec.params.forEach(function (p) {
            var el = $('#node-input-' + p.prop);
            if (el.length && p.prop !== except && ['str', 'num', CHOICE].indexOf(el.typedInput('type')) !== -1 && el.typedInput('value') !== '') {
                context[p.name] = el.typedInput('value');
            }
        });
        return context;
    }

    // ---- the thing model: a property or service picked by name, its value set with the right widget ----

    // Where the thing model helps: the control node's data (a value per property), the state node's property list.
    var MODEL_FIELDS = { data: 'values', codes: 'codes' };

    function modelDescription(item) {
        var parts = [shared('model.' + item.kind), shared('model.type', { type: item.dataType })];
        if (item.unit) {
            parts.push(shared('model.unit', { unit: item.unit }));
        }
        if (item.min !== undefined || item.max !== undefined) {
            parts.push(shared('model.range', { min: item.min === undefined ? '' : item.min, max: item.max === undefined ? '' : item.max }));
        }
        if (item.length !== undefined) {
            parts.push(shared('model.length', { length: item.length }));
        }
        if (item.subType === 'R') {
            parts.push(shared('model.readOnly'));
        }
        return parts.join(' \u00b7 ');
    }

    // The widget for a value of this type: a switch, a number within range, a list of the values, or text.
    function modelWidget(item, id) {
        if (item.dataType === 'BOOL') {
            return $('<select></select>').attr('id', id)
                .append($('<option value="true"></option>').text(shared('model.on')))
                .append($('<option value="false"></option>').text(shared('model.off')));
        }
        if (item.dataType === 'ENUM' && item.values) {
            var list = $('<select></select>').attr('id', id);
            item.values.forEach(function (v) { $('<option></option>').val(v).text(v).appendTo(list); });
            return list;
        }
        if (['INT', 'FLOAT', 'DOUBLE', 'DATE'].indexOf(item.dataType) !== -1) {
            var number = $('<input type="number">').attr('id', id).css('width', '120px');
            if (item.min !== undefined) { number.attr('min', item.min).val(item.min); }
            if (item.max !== undefined) { number.attr('max', item.max); }
            if (item.dataType === 'INT') { number.attr('step', 1); }
            return number;
        }
        var text = $('<input type="text">').attr('id', id).css('width', '200px');
        if (item.kind === 'service') {
            var template = {};
            (item.inputs || []).forEach(function (input) {
                template[input.value] = input.dataType === 'BOOL' ? true : (['INT', 'FLOAT', 'DOUBLE', 'DATE'].indexOf(input.dataType) !== -1 ? (input.min || 0) : (input.values ? input.values[0] : ''));
            });
            text.val(JSON.stringify(template)).css('width', '70%');
        }
        return text;
    }

    function modelValue(item, widget) {
        var v = widget.val();
        if (item.dataType === 'BOOL') {
            return v === 'true';
        }
        if (['INT', 'FLOAT', 'DOUBLE', 'DATE'].indexOf(item.dataType) !== -1) {
            return Number(v);
        }
        if (item.kind === 'service') {
            try {
                return JSON.parse(v || '{}');
            } catch (err) {
                return {};
            }
        }
        return v;
    }

    function prepareModel(spec, param, input) {
        var use = MODEL_FIELDS[param.name];
        var row = input.closest('.form-row');
        if (!use || !row.length || !spec.params.some(function (p) { return p.name === 'productKey'; })) {
            return;
        }
        var prefix = 'iot-openapi-model-' + param.prop;
        var panel = $('<div class="form-row iot-openapi-param iot-openapi-model"></div>').attr('id', prefix)
            .attr('data-param', param.prop)
            .attr('data-operations', String(row.attr('data-operations') || '').split(/\s+/).filter(function (o) { return o !== 'sendRaw'; }).join(' '))
            .attr('data-platforms', row.attr('data-platforms'))
            .insertAfter(row);
        $('<span style="display:inline-block; width:110px"></span>').appendTo(panel);
        var load = $('<button type="button" class="red-ui-button"></button>').attr('id', prefix + '-load')
            .append('<i class="fa fa-cube"></i> ').append($('<span></span>').text(shared('model.load'))).appendTo(panel);
        if (RED.popover && RED.popover.tooltip) {
            RED.popover.tooltip(load, shared('model.tooltip'));
        }
        var items = $('<select style="width:50%; margin-left:6px"></select>').attr('id', prefix + '-item').appendTo(panel).hide();
        var note = $('<div class="form-tips" style="margin:4px 0 0 114px; width:70%; word-break:break-word"></div>').attr('id', prefix + '-note').appendTo(panel).hide();
        var detail = $('<div style="margin:4px 0 0 114px"></div>').attr('id', prefix + '-detail').appendTo(panel).hide();
        var info = $('<div class="form-tips" style="margin-bottom:4px"></div>').attr('id', prefix + '-info').appendTo(detail);
        var holder = $('<span></span>').appendTo(detail);
        var apply = $('<button type="button" class="red-ui-button" style="margin-left:6px"></button>').attr('id', prefix + '-set')
            .text(shared(use === 'values' ? 'model.set' : 'model.add')).appendTo(detail);
        var found = [];
        var widget = null;
        load.on('click', function (event) {
            event.preventDefault();
            var context = formContext(spec, param.prop);
            note.hide();
            if (!context.productKey) {
                note.text(shared('model.noProduct')).show();
                return;
            }
            items.show().empty().append($('<option value=""></option>').text(shared('picker.loading')));
            detail.hide();
            pickRequest($('#node-input-account').val(), 'model', context).done(function (answer) {
                items.empty();
                if (!answer || !answer.ok) {
                    items.hide();
                    note.text(pickFailure(answer)).show();
                    return;
                }
                found = (answer.items || []).filter(function (item) { return use === 'values' || item.kind === 'property'; });
                items.append($('<option value=""></option>').text(shared('model.choose', { count: found.length })));
                found.forEach(function (item, i) {
                    $('<option></option>').val(String(i)).text((item.label ? item.label + ' (' + item.value + ')' : item.value) +
                        (item.kind === 'service' ? ' \u2013 ' + shared('model.service') : '')).appendTo(items);
                });
            }).fail(function (xhr) {
                items.hide();
                note.text(shared('picker.failed') + ' (HTTP ' + xhr.status + ')').show();
            });
        });
        items.on('change', function () {
            var item = found[Number(items.val())];
            holder.empty();
            if (items.val() === '' || !item) {
                detail.hide();
                return;
            }
            info.text(modelDescription(item));
            widget = use === 'values' ? modelWidget(item, prefix + '-value').appendTo(holder) : null;
            detail.show();
        });
        apply.on('click', function (event) {
            event.preventDefault();
            var item = found[Number(items.val())];
            if (!item) {
                return;
            }
            if (use === 'values') {
                // The value joins what the field holds (JSON), or starts it.
                var data = {};
                try {
                    var was = input.typedInput('type') === 'json' ? JSON.parse(input.typedInput('value') || '{}') : {};
                    data = was && typeof was === 'object' && !Array.isArray(was) ? was : {};
                } catch (err) {
                    data = {};
                }
                data[item.value] = modelValue(item, widget);
                input.typedInput('type', 'json');
                input.typedInput('value', JSON.stringify(data));
            } else {
                var list = input.typedInput('type') === 'str' ? String(input.typedInput('value') || '').split(',').map(function (c) { return c.trim(); }).filter(Boolean) : [];
                if (list.indexOf(item.value) === -1) {
                    list.push(item.value);
                }
                input.typedInput('type', 'str');
                input.typedInput('value', list.join(','));
            }
            input.trigger('change');
        });
    }

    // A picker: fills a list from the live account through the package's admin route,
    // with the node's saved account and the values already chosen (a screen for its presets).
    function preparePicker(spec, node, param, input) {
        var button = $('#iot-openapi-pick-' + param.prop);
        var box = $('#iot-openapi-picked-' + param.prop);
        // Why a list could not be read, in full (an option of the list would be cut off).
        var note = $('<div class="form-tips iot-openapi-pick-note"></div>').attr('id', 'iot-openapi-pick-note-' + param.prop)
            .css({ 'margin-top': '4px', width: '70%', 'word-break': 'break-word' }).insertAfter(box).hide();
        // Above the button: below it, the tooltip would cover the list it fills.
        var tip = RED.popover && RED.popover.create ? RED.popover.create({
            tooltip: true, target: button, trigger: 'hover', size: 'small', direction: 'top', class: 'iot-openapi-pick-tip',
            content: shared('picker.tooltip'), delay: { show: 750, hide: 50 }
        }) : null;
        button.on('click', function (event) {
            event.preventDefault();
            if (tip) {
                tip.close(true);
            }
            var account = $('#node-input-account').val();
            var context = formContext(spec, param.prop);
            box.parent().show();
            box.show().empty().append($('<option value=""></option>').text(shared('picker.loading')));
            note.hide().empty();
            var cannot = function (text) {
                box.hide().empty();
                note.text(text).show();
            };
            pickRequest(account, button.attr('data-picker'), context).done(function (answer) {
                box.empty();
                if (!answer || !answer.ok) {
                    cannot(pickFailure(answer));
                    return;
                }
                box.append($('<option value=""></option>').text(shared('picker.choose', { count: answer.items.length })));
                answer.items.forEach(function (item) {
                    box.append($('<option></option>').val(item.value).text(item.label ? item.value + ' \u2013 ' + item.label : item.value));
                });
            }).fail(function (xhr) {
                cannot(shared('picker.failed') + ' (HTTP ' + xhr.status + ')');
            });
        });
        box.on('change', function () {
            var value = box.val();
            if (value !== '' && value !== null) {
                input.typedInput('type', param.kind === 'integer' ? 'num' : 'str');
                input.typedInput('value', value);
                input.trigger('change');
            }
        });
    }

    // The reason beside the field, where the eye is: what is wrong with a value that is set,
    // or, for an empty field the call needs (marked *), where it may come from.
    function prepareReason(spec, node, param, input) {
        var reason = $('<div class="iot-openapi-reason"></div>').attr('id', 'iot-openapi-reason-' + param.prop)
            .css({ margin: '4px 0 0 114px', width: '70%', 'word-break': 'break-word', 'font-size': '0.9em' }).hide()
            .appendTo(input.closest('.form-row'));
        var show = function () {
            var value = input.typedInput('value');
            var type = input.typedInput('type');
            var checked = validateParam(spec, node, param, value);
            var rule = ruleFor(spec, param, node);
            if (checked !== true) {
                reason.text(checked).css('color', 'var(--red-ui-text-color-error, #a94442)').show();
            } else if (rule && rule.required && String(value === undefined || value === null ? '' : value).trim() === '' && type !== SECRET && PER_MESSAGE.indexOf(type) === -1) {
                reason.text(own('editor.requiredHint', { name: param.name })).css('color', 'var(--red-ui-secondary-text-color, #777)').show();
            } else {
                reason.hide();
            }
        };
        input.on('change', show);
        input.closest('.form-row').find('.red-ui-typedInput-container input').on('input', function () { window.setTimeout(show, 0); });
        $('#node-input-operation').on('change', show);
        $('#node-input-account').on('change', show);
        show();
    }

    // Settings saved by an older version of a node, brought up to date by the runtime's own
    // function (nodes/migrations.ts, shipped by the build), so opening an old node in the
    // editor shows its values under today's names.
    function migrate(type, node) {
        var migrated = window.iotOpenApiMigrateSettings(DATA.migrations[type] || [{}], node).settings;
        Object.keys(node).forEach(function (key) {
            if (!Object.prototype.hasOwnProperty.call(migrated, key)) {
                delete node[key];
            }
        });
        Object.keys(migrated).forEach(function (key) {
            node[key] = migrated[key];
        });
    }

    function prepareActionNode(spec, node) {
        migrate(spec.type, node);
        var form = $('#node-input-account').closest('form');
        spec.params.forEach(function (param) {
            var input = $('#node-input-' + param.prop);
            input.typedInput({ types: typesFor(spec, param), typeField: '#node-input-' + param.prop + 'Type', default: param.defaultType });
            if (param.secret) {
                prepareSecret(node, param, input);
            }
            if (param.format === 'epoch-ms') {
                prepareDate(param);
            }
            if (param.picker) {
                preparePicker(spec, node, param, input);
            }
            prepareModel(spec, param, input);
            prepareReason(spec, node, param, input);
            var label = $('label[for="node-input-' + param.prop + '"]').first();
            if (RED.popover && RED.popover.tooltip) {
                RED.popover.tooltip(label, own('editor.payloadField', { name: param.name }));
            }
        });
        // A node without an account takes the one account it can use, when there is exactly one.
        if (!node.account) {
            var suitable = [];
            RED.nodes.eachConfig(function (c) {
                if (c.type === 'iot-openapi-account' && spec.platforms.indexOf(c.platform) !== -1) {
                    suitable.push(c.id);
                }
            });
            if (suitable.length === 1) {
                $('#node-input-account').val(suitable[0]);
            }
        }
        // a flow without the property leaves a select empty: show (and save) its default
        form.find('select[id^="node-input-"]').each(function () {
            if ($(this).val() === null && this.options.length) {
                this.selectedIndex = 0;
            }
        });
        var watch = $('#node-input-watch');
        if (watch.length) {
            $('#node-input-interval').spinner({ min: spec.watch.minSeconds, max: 86400 });
            watch.on('change', function () {
                $('#iot-openapi-interval-row').toggle(watch.prop('checked'));
            }).trigger('change');
        }
        var maxPages = $('#node-input-maxPages');
        if (maxPages.length) {
            maxPages.spinner({ min: 1, max: 10000 });
            $('#node-input-output').on('change', function () {
                $('#iot-openapi-maxPages-row').toggle($(this).val() !== 'page');
            }).trigger('change');
        }
        var refresh = function () {
            var at = where(spec, node);
            showRows(form, 'operations', at.operation);
            showRows(form, 'platforms', at.platform);
            $('#node-input-path').attr('placeholder', nodeText(spec.type, 'placeholder.path-' + at.platform) || '');
            form.find('.iot-openapi-param').each(function () {
                var row = $(this);
                var operations = String(row.attr('data-operations')).split(/\s+/);
                var platforms = String(row.attr('data-platforms')).split(/\s+/);
                row.toggle(operations.indexOf(at.operation) !== -1 && platforms.indexOf(at.platform) !== -1);
                var param = spec.params.filter(function (p) { return p.prop === row.attr('data-param'); })[0];
                var rule = param.rules[at.operation + '@' + at.platform];
                markRequired(row.find('label').first(), !!(rule && rule.required));
            });
        };
        $('#node-input-operation').on('change', refresh);
        $('#node-input-account').on('change', refresh);
        refresh();
    }

    // Validators take (value, options): Node-RED shows a returned text as the reason only then.

    // Only a path below the account's base URL: the signed request must not leave it.
    function checkPath(v, opt) {
        var path = String(v || '').trim();
        if (/^[a-z][a-z0-9+.-]*:/i.test(path) || /^\/\//.test(path) || /\s/.test(path) || /(^|\/)\.\.(\/|$)/.test(path)) {
            return shared('errors.badPath', { path: path });
        }
        return true;
    }

    // The definition an action node registers: everything but its type name comes from the catalogue.
    function actionNode(type) {
        var spec = DATA.nodes[type];
        var operations = Object.keys(spec.operations);
        var defaults = {
            name: { value: '' },
            account: {
                value: '',
                type: 'iot-openapi-account',
                required: true,
                // Node-RED 4 offers only the accounts this node can use
                filter: function (config) { return spec.platforms.indexOf(config.platform) !== -1; },
                validate: function (v, opt) { return validateAccount(v, spec.platforms); }
            },
            settingsVersion: { value: spec.version }
        };
        if (operations.length > 1) {
            defaults.operation = {
                value: operations[0],
                // empty in an older or hand-written flow: the runtime uses its default
                validate: function (v, opt) { return !v || operations.indexOf(v) !== -1; }
            };
        }
        var credentials;
        spec.params.forEach(function (param) {
            defaults[param.prop] = { value: '', validate: function (v, opt) { return validateParam(spec, this, param, v); } };
            defaults[param.prop + 'Type'] = { value: param.defaultType };
            if (param.credential) {
                credentials = credentials || {};
                credentials[param.credential] = { type: 'password' };
            }
        });
        if (spec.raw) {
            defaults.method = {
                value: 'GET',
                validate: function (v, opt) { return !v || METHODS.indexOf(v) !== -1 ? true : shared('errors.badMethod'); }
            };
            defaults.path = { value: '', validate: checkPath };
        }
        if (spec.paged) {
            defaults.output = { value: 'page', validate: function (v, opt) { return !v || ['page', 'all', 'each'].indexOf(v) !== -1; } };
            defaults.maxPages = {
                value: 100,
                validate: function (v, opt) {
                    var text = String(v === undefined ? '' : v).trim();
                    return text === '' || (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 10000) ? true : shared('errors.range', { parameter: 'maxPages', min: 1, max: 10000 });
                }
            };
        }
        if (spec.watch) {
            defaults.watch = {
                value: false,
                validate: function (v, opt) {
                    var on = v === true || v === 'true';
                    var operation = current(this, 'node-input-operation', this.operation) || operations[0];
                    return !on || spec.watch.operations.indexOf(operation) !== -1 ? true : shared('errors.enum', { parameter: 'operation', values: spec.watch.operations.join(', ') });
                }
            };
            defaults.interval = {
                value: spec.watch.defaultSeconds,
                validate: function (v, opt) {
                    var text = String(v === undefined ? '' : v).trim();
                    var n = Number(text);
                    return text === '' || (isFinite(n) && n >= spec.watch.minSeconds && n <= 86400) ? true : shared('errors.range', { parameter: 'interval', min: spec.watch.minSeconds, max: 86400 });
                }
            };
        }
        var definition = {
            category: spec.category,
            color: spec.color,
            defaults: defaults,
            inputs: 1,
            outputs: 1,
            icon: spec.icon,
            align: 'left',
            paletteLabel: function () {
                return this._(type + '.paletteLabel');
            },
            label: function () {
                var operation = operations.indexOf(this.operation) !== -1 ? this.operation : operations[0];
                return this.name || (operations.length > 1 && nodeText(type, 'operation.' + operation)) || this._(type + '.paletteLabel');
            },
            labelStyle: function () {
                return this.name ? 'node_label_italic' : '';
            },
            oneditprepare: function () {
                prepareActionNode(spec, this);
            },
            oneditsave: function () {
                spec.params.forEach(function (param) {
                    if (param.secret) {
                        saveSecret(param);
                    }
                });
            }
        };
        if (credentials) {
            definition.credentials = credentials;
        }
        return definition;
    }

    // The account's credential fields, as Node-RED registers them: the vendor's of every platform, and the store's.
    function accountCredentials() {
        var out = {};
        var fields = DATA.account.storeCredentials.slice();
        Object.keys(DATA.credentials).forEach(function (platform) {
            fields = fields.concat(DATA.credentials[platform]);
        });
        fields.forEach(function (field) {
            out[field.name] = { type: field.secret ? 'password' : 'text' };
        });
        return out;
    }

    // ---- the account ----------------------------------------------------------

    function accountSetting(name) {
        return DATA.account.settings.filter(function (s) { return s.name === name; })[0];
    }

    // A setting's value while the account is open in the dialog, else the saved one; empty is its default.
    function accountValue(node, name) {
        var setting = accountSetting(name);
        var v = setting.kind === 'boolean'
            ? node[name]
            : current(node, 'node-config-input-' + name, node[name]);
        return v === undefined || v === null || v === '' ? setting.default : v;
    }

    // Whether a setting applies to the account: its platforms, and the setting it depends on (a Redis URL, the Redis store).
    function settingApplies(setting, node) {
        var platform = current(node, 'node-config-input-platform', node.platform);
        if (setting.platforms && setting.platforms.indexOf(platform) === -1) {
            return false;
        }
        return !setting.when || accountValue(node, setting.when.setting) === setting.when.value;
    }

    function regex(r) {
        return new RegExp(r.source, r.flags);
    }

    // Checks one account setting with the runtime's numbers and patterns (lib/accounts.ts): true, or the reason.
    function checkAccountSetting(setting, node, v) {
        if (!settingApplies(setting, node)) {
            return true;
        }
        var text = String(v === undefined || v === null ? '' : v).trim();
        var reason = function () { return own('editor.' + setting.reason, { min: setting.min, max: setting.max }); };
        if (text === '') {
            var platform = current(node, 'node-config-input-platform', node.platform);
            var needed = setting.required === 'always' || (setting.required === 'noDefaultHost' && !(DATA.hosts[platform] || []).length);
            return needed ? own('editor.' + setting.requiredReason) : true;
        }
        if (setting.kind === 'integer') {
            var n = Number(text);
            return /^\d+$/.test(text) && n >= setting.min && n <= setting.max ? true : reason();
        }
        if (setting.kind === 'rate') {
            var rate = Number(text);
            return /^\d+(\.\d+)?$/.test(text) && (rate === 0 || (rate >= setting.min && rate <= setting.max)) ? true : reason();
        }
        if (setting.pattern && !regex(setting.pattern).test(text)) {
            return reason();
        }
        // A user or password in a URL would be saved in the flow file.
        if (setting.noLogin && regex(setting.noLogin).test(text)) {
            return own('editor.' + setting.loginReason);
        }
        return true;
    }

    // The account's defaults as Node-RED registers them: every setting of lib/accounts.ts with its default and check.
    function accountDefaults() {
        var defaults = {
            name: { value: '' },
            platform: {
                value: PLATFORMS[0],
                required: true,
                validate: function (v, opt) {
                    return PLATFORMS.indexOf(v) !== -1 ? true : own('editor.badPlatform');
                }
            },
            // No field of the dialog shows it: the place for the account's own reasons, such as missing credentials.
            settingsVersion: { value: DATA.account.version, validate: function (v, opt) { return checkCredentials(this); } }
        };
        DATA.account.settings.forEach(function (setting) {
            defaults[setting.name] = { value: setting.default };
            if (setting.kind !== 'boolean' && setting.kind !== 'choice') {
                defaults[setting.name].validate = function (v, opt) { return checkAccountSetting(setting, this, v); };
            }
        });
        return defaults;
    }

    // The first of these settings that the runtime would refuse: what the Test connection says instead of sending, or ''.
    function accountNotSent(node, names) {
        var found = '';
        DATA.account.settings.forEach(function (setting) {
            var checked = found || names.indexOf(setting.name) === -1 ? true : checkAccountSetting(setting, node, accountValue(node, setting.name));
            if (checked !== true) {
                found = setting.notSent ? own('test.' + setting.notSent) : checked;
            }
        });
        return found;
    }

    // Every vendor credential's name, for the Test connection's request.
    function credentialNames() {
        var names = [];
        Object.keys(DATA.credentials).forEach(function (platform) {
            DATA.credentials[platform].forEach(function (field) {
                names.push(field.name);
            });
        });
        return names;
    }

    // The platform a new account starts with: the first one the node it is added from can use.
    function platformForNewAccount() {
        var stack = RED.editor && typeof RED.editor.getEditStack === 'function' ? RED.editor.getEditStack() : [];
        for (var i = stack.length - 1; i >= 0; i--) {
            var spec = stack[i] && DATA.nodes[stack[i].type];
            if (spec && !spec.raw) {
                return spec.platforms[0];
            }
        }
        return '';
    }

    window.iotOpenApiEditor = {
        namespace: NS,
        platforms: PLATFORMS.slice(),
        data: DATA,
        t: shared,
        own: own,
        platformLabel: platformLabel,
        accountPlatform: accountPlatform,
        current: current,
        validateAccount: validateAccount,
        showRows: showRows,
        actionNode: actionNode,
        accountCredentials: accountCredentials,
        accountDefaults: accountDefaults,
        accountNotSent: accountNotSent,
        migrate: migrate,
        credentialNames: credentialNames,
        platformForNewAccount: platformForNewAccount,
        checkCredentials: checkCredentials
    };
})();
