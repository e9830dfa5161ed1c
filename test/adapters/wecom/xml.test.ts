/** The tiny flat-XML reader used for WeCom app callbacks. */
import { describe, expect, it } from 'vitest';
import { parseFlatXml, XmlError } from '../../../adapters/wecom/xml.ts';
import { text } from './fixtures.ts';

describe('parseFlatXml', () => {
  it('reads CDATA and plain children of the root', () => {
    expect(parseFlatXml(text('app/text.xml'))).toEqual({
      root: 'xml',
      fields: {
        ToUserName: 'ww3e5f0123456789ab',
        FromUserName: 'zhangsan',
        CreateTime: '1732700000',
        MsgType: 'text',
        Content: '/kb 价格异议',
        MsgId: '7453287350127458304',
        AgentID: '1000002',
      },
    });
  });

  it('keeps markup inside CDATA verbatim and decodes entities outside it', () => {
    const { fields } = parseFlatXml('<xml><A><![CDATA[<b>1 & 2</b>]]></A><B>a &lt;&amp;&gt; &#20215;&#x683C;</B></xml>');
    expect(fields).toEqual({ A: '<b>1 & 2</b>', B: 'a <&> 价格' });
  });

  it('joins split CDATA sections (the standard way to embed "]]>")', () => {
    expect(parseFlatXml('<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A></xml>').fields.A).toBe('x]]>y');
  });

  it('accepts a prolog, whitespace, comments, empty and self-closing elements', () => {
    const xml = '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <!-- c -->\n  <A></A>\n  <B/>\n  <C>\n</C>\n</xml>\n';
    expect(parseFlatXml(xml).fields).toEqual({ A: '', B: '', C: '\n' });
  });

  it('keeps a nested child as its raw inner XML', () => {
    const { fields } = parseFlatXml('<xml><SelectedItems><SelectedItem><QuestionKey>q</QuestionKey></SelectedItem></SelectedItems><E>x</E></xml>');
    expect(fields).toEqual({ SelectedItems: '<SelectedItem><QuestionKey>q</QuestionKey></SelectedItem>', E: 'x' });
  });

  it.each([
    ['empty', ''],
    ['JSON', '{"a":1}'],
    ['unclosed root', '<xml><A>1</A>'],
    ['mismatched close', '<xml><A>1</B></xml>'],
    ['unterminated CDATA', '<xml><A><![CDATA[x</A></xml>'],
    ['two roots', '<xml></xml><xml></xml>'],
    ['DOCTYPE', '<!DOCTYPE x [<!ENTITY e "boom">]><xml><A>&e;</A></xml>'],
    ['unknown entity', '<xml><A>&e;</A></xml>'],
    ['too deep', `<xml>${'<a>'.repeat(20)}${'</a>'.repeat(20)}</xml>`],
  ])('rejects %s', (_name, xml) => {
    expect(() => parseFlatXml(xml)).toThrow(XmlError);
  });
});
