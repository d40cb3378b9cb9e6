#!/usr/bin/env node
import { createApp } from '../lib/app';

createApp().synth();
