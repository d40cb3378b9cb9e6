/**
 * The stack's gateway responses (lib/contract/gateway-responses.ts) rendered for a request: what API
 * Gateway answers itself, before or instead of an integration.
 */
import {
  GATEWAY_RESPONSES,
  type GatewayResponseDefinition,
  RESPONSE_TYPE_STATUS,
} from '../../lib/contract/gateway-responses';
import { type GatewayRequest, type Reply, requestContextVariables } from './request';
import { renderMappingTemplate } from './vtl';

/** The `$context.error` of a gateway response, and the status when its definition has none. */
export interface GatewayError {
  /** `$context.error.message`; `$context.error.messageString` is it as a JSON string. */
  readonly message?: string;
  readonly validationErrorString?: string;
  /** @default the definition's type */
  readonly responseType?: string;
  readonly statusCode?: number;
}

export function gatewayResponse(
  definition: GatewayResponseDefinition,
  request: GatewayRequest,
  error: GatewayError = {},
): Reply {
  const responseType = error.responseType ?? definition.type;
  const rendered = renderMappingTemplate(definition.template, {
    body: '',
    context: {
      ...requestContextVariables(request),
      error: {
        message: error.message ?? '',
        messageString: JSON.stringify(error.message ?? ''),
        validationErrorString: error.validationErrorString ?? '',
        responseType,
      },
    },
  });
  return {
    // The DEFAULT_4XX/5XX fallbacks have no status of their own: each response type keeps API Gateway's.
    statusCode:
      rendered.statusOverride ??
      definition.statusCode ??
      error.statusCode ??
      RESPONSE_TYPE_STATUS[responseType] ??
      (definition.type === 'DEFAULT_4XX' ? 400 : 500),
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': responseType },
    body: rendered.body,
  };
}

/** The gateway's own failure: 500. */
export function internalError(request: GatewayRequest): Reply {
  return gatewayResponse(GATEWAY_RESPONSES.default5xx, request, {
    message: 'Internal server error',
    responseType: 'API_CONFIGURATION_ERROR',
  });
}

/** A function error or a malformed proxy result: API Gateway answers 502 Bad Gateway. */
export function badGateway(request: GatewayRequest): Reply {
  return gatewayResponse(GATEWAY_RESPONSES.default5xx, request, {
    message: 'Internal server error',
    responseType: 'DEFAULT_5XX',
    statusCode: 502,
  });
}
